"""Hostile input refused at the edge with the one error body, before any parser or database sees it:
NUL characters (PostgreSQL refuses them in text: a 500), JSON nested deeper than any request of ours
(the parsers recurse), numbers longer than any value of ours (Python refuses to convert > 4,300 digits)
and NaN/Infinity (not JSON). A NUL in a field is that field's 422, as the schemas word any bad value;
in the path or in the raw body, and a JSON document too deep or with an absurd number, a 400."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

from flask import request

from gateway.errors import BadRequest, ValidationFailed

MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 40
NUL_MESSAGE = "NUL characters are not allowed"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class _Refused(Exception):
    pass


def _refuse(message: str) -> BadRequest:
    return BadRequest(message, reason="bad_request")


def check_request() -> None:
    """Called before every request (after the URL length check)."""
    if "\x00" in request.path:
        raise _refuse("NUL characters are not allowed in the path")
    _no_nul_in_fields("query", request.args.items(multi=True))
    mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        body = request.get_data(cache=True)
        if b"\x00" in body:
            raise _refuse("NUL bytes are not allowed in the body")
        if body:
            check_json(body)
    elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _no_nul_in_fields("form", request.form.items(multi=True))


def _no_nul_in_fields(location: str, items: Iterable[tuple[str, str]]) -> None:
    wrong = {key.replace("\x00", "?"): [NUL_MESSAGE] for key, value in items if "\x00" in key + value}
    if wrong:
        raise ValidationFailed("Validation failed", errors={location: wrong})


def check_json(body: bytes) -> None:
    """Depth (strings removed, then brackets counted), one parse with bounded numbers, then NULs."""
    brackets = _BRACKET.findall(_STRING.sub(b'""', body))
    if brackets and max(accumulate(1 if b in (b"[", b"{") else -1 for b in brackets)) > MAX_JSON_DEPTH:
        raise _refuse(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        document = json.loads(
            body, parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_no_constant
        )
    except _Refused as exc:
        raise _refuse(str(exc)) from None
    except (ValueError, RecursionError):
        return  # not JSON after all: the view's own parser words that refusal
    if _ESCAPED_NUL.search(body):
        wrong = list(_nul_paths(document))
        if wrong:
            raise ValidationFailed("Validation failed", errors={"json": _errors_at(wrong)})


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"A number in the JSON body is longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _bounded_float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise _Refused("A number in the JSON body is too large")
    return value


def _no_constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON number")


def _nul_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where in a parsed JSON document a string (key or value) holds a NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = (*path, key.replace("\x00", "?"))
            if "\x00" in key:
                yield where
            else:
                yield from _nul_paths(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(i)))


def _errors_at(paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """{"description": [...]} or {"attributes": {"ukuran": [...]}}: marshmallow's shape of field errors."""
    errors: dict[str, Any] = {}
    for path in paths:
        node = errors
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1] if path else "_schema"] = [NUL_MESSAGE]
    return errors
