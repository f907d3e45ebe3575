"""Fast JSON for the statement path (orjson), with the standard library for the few documents
orjson would get wrong or refuse: integers beyond 64 bits (orjson turns them into floats) and
lone surrogate escapes."""

from __future__ import annotations

import json
from typing import Any

import orjson

#: 19 or more digits in a row: possibly an integer beyond 64 bits (or just a long number or a
#: digit string, which the standard library parses the same way). Found by mapping every digit to
#: "0" and looking for nineteen of them: a C-speed pass, where the regex `\d{19,}` took 13 µs
#: per statement (a twentieth of the ingest path's CPU).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


def _has_long_digit_run(raw: bytes) -> bool:
    return _NINETEEN_DIGITS in raw.translate(_DIGITS_TO_ZERO)


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raises ValueError for text that is not JSON."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _has_long_digit_run(raw):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        if isinstance(data, bytes):
            data = data.decode("utf-8")  # UnicodeDecodeError is a ValueError too
        return json.loads(data)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:  # e.g. an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
