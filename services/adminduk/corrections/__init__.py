"""Corrections of the name or birth date on an akta kelahiran."""
