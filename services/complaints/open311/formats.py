"""Open311's wire formats: JSON arrays or XML with the specification's element names, and its
error arrays (`<errors><error>`), whatever failed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from flask import Response, json, request

FMT = "<any(json,xml):fmt>"


XML_TYPE = "text/xml; charset=utf-8"


# Element names of list items in XML.
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


# Characters XML 1.0 cannot carry (an SMS may contain them): dropped from XML text.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, list):
                holder = ET.SubElement(element, key)
                for item in child:
                    _fill(ET.SubElement(holder, ITEM_TAGS.get(key, "item")), item)
            else:
                _fill(ET.SubElement(element, key), child)
    else:
        element.text = _text(value)


def render(fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200) -> Response:
    """JSON as is; XML with `root` holding one `item` element per entry (or `root` = the object)."""
    if fmt == "xml":
        element = ET.Element(root)
        if item is None:
            _fill(element, data)
        else:
            for entry in data:
                _fill(ET.SubElement(element, item), entry)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
        return Response(body, status=status, content_type=XML_TYPE)
    return Response(
        json.dumps(data, ensure_ascii=False) + "\n",
        status=status,
        content_type="application/json; charset=utf-8",
    )


_ATTRIBUTE_PATH = re.compile(r"^attributes\.([^:]+):")


# Open311 knows 400 (bad arguments), 403 (bad api_key) and 404; validation failures are 400 here.
_STATUS = {422: 400}


def _flatten(errors: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key in ("json", "query", "form", "querystring") and not prefix:
                yield from _flatten(value, "")
            else:
                yield from _flatten(value, f"{prefix}{key}: " if not prefix else f"{prefix[:-2]}.{key}: ")
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _flatten(item, prefix)
    else:
        yield f"{prefix}{errors}"


def error_array(code: int, message: str | None, errors: Any = None, headers: dict | None = None) -> Response:
    """The error array: the message (if any) and one entry per field error."""
    code = _STATUS.get(code, code)
    details = [_ATTRIBUTE_PATH.sub(r"attribute[\1]:", d) for d in _flatten(errors)] if errors else []
    texts = ([message] if message else []) + details or [HTTPStatus(code).phrase]
    items = [{"code": code, "description": text} for text in texts]
    response = render(_fmt(), items, root="errors", item="error", status=code)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
