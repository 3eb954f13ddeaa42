"""The civil registry adminduk keeps: NIK and akta numbers, certificates (akta, KIA), the family card (KK)."""
