"""What the city invoices for: each purpose names the OPD it belongs to (whose staff see its invoices).

A service that invoices adds its purpose here once (a one-line change in payments, reviewed with it);
`create_invoice` refuses a purpose that is not listed, so a typo never produces an invoice nobody owns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Purpose:
    code: str  # "<service>.<what>", the value of create_invoice(purpose=…)
    opd: str  # identity OPD code
    label: str  # shown to the payer and to finance


PURPOSES: dict[str, Purpose] = {
    p.code: p
    for p in (
        Purpose("permits.retribusi", "DPMPTSP", "Retribusi perizinan (PBG dan izin daerah)"),
        Purpose("parking.retribusi", "DISHUB", "Retribusi parkir tepi jalan umum"),
        Purpose("adminduk.courier", "DISDUKCAPIL", "Ongkos kirim dokumen kependudukan"),
    )
}


def purpose(code: str) -> Purpose | None:
    return PURPOSES.get(code)
