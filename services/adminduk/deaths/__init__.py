"""Deaths reported by facilities or the family; the registry, the account and the family's KK follow."""
