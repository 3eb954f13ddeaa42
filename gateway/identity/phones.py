"""Phone numbers in E.164 (+628…), parsed with phonenumbers for Indonesia."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


def normalize(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("Not a valid phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("Not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    return value.startswith(("+", "08", "62"))
