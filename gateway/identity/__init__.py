"""One citizen identity: the population registry, citizen and staff accounts, machine clients, tokens.

What services may use: the names below, and the modules `service` (resident_by_nik, subject_resident_id,
close_account, …), `schemas` (NikField, PhoneField), `nik`, `phones`, `wilayah` and `kk_fields` (SIAK's values of a KK line). The rest (`models`,
`passwords`, `registry`, `staff`, `routes`) is identity's own; an import-linter contract keeps services out.
"""

from gateway.identity.models import CitizenAccount, Opd, Resident, Staff
from gateway.identity.passwords import digest

__all__ = ["CitizenAccount", "Opd", "Resident", "Staff", "digest"]
