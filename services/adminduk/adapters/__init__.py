"""Outside systems adminduk speaks with: HL7 FHIR (hospital birth reports)."""
