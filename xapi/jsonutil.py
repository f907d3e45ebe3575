"""Fast JSON for the statement path (orjson), with the standard library as the fallback for the
few documents orjson refuses but JSON allows (integers beyond 64 bits, lone surrogate escapes)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raises ValueError for text that is not JSON."""
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
