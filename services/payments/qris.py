"""QRIS payloads: EMVCo merchant-presented mode (MPM) as Bank Indonesia's QRIS standard profiles it.

Our own small TLV module, so the bytes a wallet scans are ours to test: `build()` writes a dynamic QRIS
for one invoice, `parse()` reads any QRIS string back into its fields and refuses a bad CRC or a
malformed TLV with a `QrisError` that says what is wrong and where.

A payload is a run of TLV objects: a 2-digit tag, a 2-digit length (characters, 01–99) and the value.
Templates (26–51 merchant accounts, 62 additional data) hold TLV objects themselves. The last object is
always 63 with 4 upper-case hex digits: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no
final xor) over every character before it, including the "6304" of the CRC object itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

QRIS_GUID = "ID.CO.QRIS.WWW"  # the national (QRIS) merchant account template, tag 51 sub 00
CURRENCY_IDR = "360"  # ISO 4217 numeric
COUNTRY = "ID"
STATIC, DYNAMIC = "11", "12"

# Templates whose value is itself TLV: the merchant accounts (26–51) and the additional data (62).
TEMPLATE_TAGS = frozenset({f"{n:02d}" for n in range(26, 52)} | {"62"})
_NUMERIC = re.compile(r"[0-9]{2}")
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?")


class QrisError(ValueError):
    """A payload that is not a valid QRIS: `position` is the character offset where reading failed."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at character {position})")
        self.position = position


def crc16_ccitt_false(data: str | bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, MSB first; check value of "123456789" is 0x29B1."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    crc = 0xFFFF
    for byte in raw:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """One TLV object; refuses what a reader could not read back (bad tag, empty or > 99 characters)."""
    if not _NUMERIC.fullmatch(tag):
        raise QrisError(f"tag {tag!r} is not two digits")
    if not 0 < len(value) <= 99:
        raise QrisError(f"tag {tag}: value of {len(value)} characters (1–99 allowed)")
    if not value.isascii() or not value.isprintable():
        raise QrisError(f"tag {tag}: value has characters outside printable ASCII")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Append the CRC object (63) to everything before it."""
    head = body + "6304"
    return f"{head}{crc16_ccitt_false(head):04X}"


def read_tlv(text: str, *, offset: int = 0) -> list[tuple[str, str]]:
    """Split `text` into (tag, value) pairs, in order; `offset` only positions error messages."""
    items: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if len(text) - i < 4:
            raise QrisError("truncated TLV header", position=offset + i)
        tag, length = text[i : i + 2], text[i + 2 : i + 4]
        if not _NUMERIC.fullmatch(tag) or not _NUMERIC.fullmatch(length):
            raise QrisError(f"malformed TLV header {text[i : i + 4]!r}", position=offset + i)
        size = int(length)
        if size == 0:
            raise QrisError(f"tag {tag} has length 00", position=offset + i)
        if i + 4 + size > len(text):
            raise QrisError(f"tag {tag} claims {size} characters, fewer remain", position=offset + i)
        items.append((tag, text[i + 4 : i + 4 + size]))
        i += 4 + size
    return items


@dataclass(frozen=True)
class MerchantAccount:
    """One merchant account template (tags 26–51): its GUID (sub 00) and the other sub-fields."""

    tag: str
    guid: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Qris:
    """A parsed QRIS payload: the common fields by name, every top-level tag in `tags`."""

    payload: str
    initiation: str  # "11" static, "12" dynamic
    accounts: tuple[MerchantAccount, ...]
    mcc: str
    currency: str
    amount: str | None
    country: str
    merchant_name: str
    merchant_city: str
    postal_code: str | None
    additional: dict[str, str]
    crc: str
    tags: dict[str, str]

    @property
    def is_dynamic(self) -> bool:
        return self.initiation == DYNAMIC

    @property
    def amount_rupiah(self) -> int | None:
        """The amount as integer rupiah (QRIS allows "3000" and "3000.00"; sen must be zero)."""
        if self.amount is None:
            return None
        whole, _, sen = self.amount.partition(".")
        if sen.strip("0"):
            raise QrisError(f"amount {self.amount} has sen; rupiah amounts are whole")
        return int(whole)

    @property
    def reference_label(self) -> str | None:
        return self.additional.get("05")

    @property
    def terminal_label(self) -> str | None:
        return self.additional.get("07")

    def account(self, guid: str) -> MerchantAccount | None:
        return next((a for a in self.accounts if a.guid == guid), None)

    @property
    def nmid(self) -> str | None:
        """The National Merchant ID from the QRIS template (ID.CO.QRIS.WWW, sub 02)."""
        national = self.account(QRIS_GUID)
        return national.fields.get("02") if national else None


REQUIRED = {"00": "payload format indicator", "01": "point of initiation", "52": "merchant category code",
            "53": "transaction currency", "58": "country code", "59": "merchant name", "60": "merchant city"}  # fmt: skip


def parse(payload: str) -> Qris:
    """Read a QRIS string; raises QrisError on a bad CRC, a malformed TLV or a missing/invalid field."""
    payload = payload.strip()
    if not payload.isascii():
        raise QrisError("payload has non-ASCII characters")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise QrisError("payload does not end with the CRC object (6304 and four hex digits)")
    expected = f"{crc16_ccitt_false(payload[:-4]):04X}"
    if payload[-4:].upper() != expected:
        raise QrisError(f"CRC mismatch: payload says {payload[-4:]}, content gives {expected}")
    items = read_tlv(payload)
    tags: dict[str, str] = {}
    for tag, value in items:
        if tag in tags:
            raise QrisError(f"tag {tag} appears twice")
        tags[tag] = value
    if items[0][0] != "00" or tags["00"] != "01":
        raise QrisError('the payload must start with tag 00 = "01" (payload format indicator)')
    if items[-1][0] != "63":
        raise QrisError("tag 63 (CRC) must be the last object")
    for tag, what in REQUIRED.items():
        if tag not in tags:
            raise QrisError(f"tag {tag} ({what}) is missing")
    _check_values(tags)
    accounts = tuple(_account(tag, tags[tag]) for tag in sorted(tags) if "26" <= tag <= "51")
    if not accounts:
        raise QrisError("no merchant account template (tags 26–51)")
    additional = dict(read_tlv(tags["62"])) if "62" in tags else {}
    return Qris(
        payload=payload,
        initiation=tags["01"],
        accounts=accounts,
        mcc=tags["52"],
        currency=tags["53"],
        amount=tags.get("54"),
        country=tags["58"],
        merchant_name=tags["59"],
        merchant_city=tags["60"],
        postal_code=tags.get("61"),
        additional=additional,
        crc=tags["63"],
        tags=tags,
    )


def _check_values(tags: dict[str, str]) -> None:
    if tags["01"] not in (STATIC, DYNAMIC):
        raise QrisError(f'tag 01 must be "11" (static) or "12" (dynamic), not {tags["01"]!r}')
    if not re.fullmatch(r"[0-9]{4}", tags["52"]):
        raise QrisError(f"tag 52 (MCC) must be 4 digits, not {tags['52']!r}")
    if not re.fullmatch(r"[0-9]{3}", tags["53"]):
        raise QrisError(f"tag 53 (currency) must be 3 digits, not {tags['53']!r}")
    if "54" in tags and not _AMOUNT.fullmatch(tags["54"]):
        raise QrisError(f"tag 54 (amount) is not an amount: {tags['54']!r}")
    if not re.fullmatch(r"[A-Z]{2}", tags["58"]):
        raise QrisError(f"tag 58 (country) must be 2 letters, not {tags['58']!r}")


def _account(tag: str, value: str) -> MerchantAccount:
    fields = dict(read_tlv(value))
    if "00" not in fields:
        raise QrisError(f"merchant account template {tag} has no globally unique identifier (sub 00)")
    guid = fields.pop("00")
    return MerchantAccount(tag=tag, guid=guid, fields=fields)


@dataclass(frozen=True)
class Merchant:
    """Who is paid: the acquirer's account (tag 26) and the national QRIS account (tag 51)."""

    acquirer_guid: str  # the acquirer's reverse domain, e.g. ID.CO.BANKSUMUT.WWW
    merchant_pan: str  # sub 01: NNS + merchant number
    merchant_id: str  # sub 02: the acquirer's merchant id
    nmid: str  # National Merchant ID (ID10…), sub 02 of tag 51
    criteria: str  # sub 03: UMI / UKE / UME / UBE / URE
    mcc: str
    name: str  # tag 59, at most 25 characters
    city: str  # tag 60, at most 15 characters
    postal_code: str  # tag 61


def build(merchant: Merchant, *, amount: int, reference: str, terminal: str | None = None) -> str:
    """A dynamic QRIS for `amount` rupiah whose reference label (62.05) is `reference`."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise QrisError(f"amount must be a positive whole number of rupiah, not {amount!r}")
    acquirer = (
        tlv("00", merchant.acquirer_guid)
        + tlv("01", merchant.merchant_pan)
        + tlv("02", merchant.merchant_id)
        + tlv("03", merchant.criteria)
    )
    national = tlv("00", QRIS_GUID) + tlv("02", merchant.nmid) + tlv("03", merchant.criteria)
    additional = tlv("05", reference) + (tlv("07", terminal) if terminal else "")
    body = (
        tlv("00", "01")
        + tlv("01", DYNAMIC)
        + tlv("26", acquirer)
        + tlv("51", national)
        + tlv("52", merchant.mcc)
        + tlv("53", CURRENCY_IDR)
        + tlv("54", str(amount))
        + tlv("58", COUNTRY)
        + tlv("59", merchant.name[:25])
        + tlv("60", merchant.city[:15])
        + tlv("61", merchant.postal_code)
        + tlv("62", additional)
    )
    return with_crc(body)
