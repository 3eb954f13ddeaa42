"""NIKs and mobile numbers masked in text the public reads: what a citizen types into a complaint (or
an SMS) often holds their own or a neighbour's NIK or phone number, and the city publishes that text."""

from __future__ import annotations

import re

NIK_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
# 08…, 628…, +62 8…, also written with spaces, dots or dashes ("0812-3456-7890", "+62 813 7000 1111").
PHONE_IN_TEXT = re.compile(r"(?<![\d+])(\+?62|0)[ .-]?(8\d{2})(?:[ .-]?\d){3,6}[ .-]?(\d{3})(?!\d)")


def mask_nik_and_phone(text: str | None) -> str | None:
    """'NIK 1272011501900001, HP 0813-7000-1111' → 'NIK 1272********0001, HP 0813****111'."""
    if not text:
        return text
    text = NIK_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return PHONE_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(3), text)
