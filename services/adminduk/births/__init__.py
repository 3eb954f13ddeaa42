"""Births reported at the source (hospitals, JSON or HL7 FHIR), registered or reviewed; naming a child."""
