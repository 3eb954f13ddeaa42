"""The city's services, listed once.

The app (gateway.app), the worker and the seeders (through the app's module registry), the layering
test and the import-linter contract check (tests/test_conformance.py) all read MODULES.
"""

from __future__ import annotations

from gateway.kernel.modules import ServiceModule
from services.adminduk import MODULE as ADMINDUK
from services.complaints import MODULE as COMPLAINTS
from services.parking import MODULE as PARKING
from services.payments import MODULE as PAYMENTS
from services.permits import MODULE as PERMITS

MODULES: tuple[ServiceModule, ...] = (ADMINDUK, COMPLAINTS, PERMITS, PAYMENTS, PARKING)
