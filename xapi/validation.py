"""Structural validation of incoming xAPI 1.0.3 Statements (xAPI-Data.md, Part Two).

Every check raises :class:`StatementValidationError` for the *first* problem found, carrying a
JSON path (``statement[2].context.contextActivities.parent[0].id``) and a one-sentence reason,
so the Statement resource can answer ``400 Bad Request`` with a useful message.

What is enforced (section numbers are xAPI-Data.md):

* 2.2  no ``null`` anywhere except inside ``extensions``; numbers/booleans/strings must have the
  JSON type the spec gives (``"100"`` is not a number, ``"false"`` is not a boolean); keys are
  case sensitive and unknown keys are rejected everywhere except inside ``extensions``;
  enumerated values (objectType, interactionType, contextActivities keys) must match exactly.
* 2.3.2 a voiding Statement's object must be a StatementRef.
* 2.4  actor/verb/object required; ``id`` is a UUID in standard 8-4-4-4-12 form.
* 2.4.2 Agents have exactly one IFI; Groups need ``objectType: "Group"``; identified Groups have
  exactly one IFI; anonymous Groups have none and a non-empty ``member`` list; members are Agents.
* 2.4.3 Verb ``id`` IRI, ``display`` language map.
* 2.4.4 Activity / Agent / Group (objectType required) / StatementRef / SubStatement objects,
  activity definitions and the interaction component rules.
* 2.4.5 Result and Score (scaled in [-1, 1], min < max, min <= raw <= max), ISO 8601 duration.
* 2.4.6 Context (team is a Group, contextActivities keys and values, revision/platform only when
  the object is an Activity, language tag, StatementRef).
* 2.4.7-2.4.10 timestamp/stored (ISO 8601 with a time zone, not ``-00:00``), authority (an Agent,
  or an anonymous Group of exactly two Agents), version ``1.0`` / ``1.0.x``.
* 2.4.11 attachments.
* 4.1-4.6 extension keys are IRIs, language maps (RFC 5646 keys, string values, at least one
  entry), IRIs need a scheme, UUIDs, timestamps and durations.

Normalisation (filling ``objectType``, wrapping single context activities in arrays, setting
``id``/``stored``/``authority``/``version``) is deliberately *not* done here: this module never
mutates its input.
"""

from __future__ import annotations

import json
import math
import numbers
import functools
import re
from datetime import datetime, timedelta, timezone
from typing import Iterable

__all__ = [
    "StatementValidationError",
    "validate_statement",
    "validate_statements",
    "validate_agent",
    "validate_activity",
    "validate_activity_id",
    "validate_language_map",
    "validate_extensions",
    "is_iri",
    "is_irl",
    "is_uuid",
    "is_language_tag",
    "is_mbox",
    "is_media_type",
    "is_supported_version",
    "is_iso8601_duration",
    "parse_iso8601_timestamp",
    "VOIDED_VERB_ID",
    "INTERACTION_TYPES",
    "IFI_PROPERTIES",
]

VOIDED_VERB_ID = "http://adlnet.gov/expapi/verbs/voided"

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")

INTERACTION_TYPES = frozenset(
    {
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    }
)

# Which interaction component lists each interactionType supports (2.4.4.1.s15 table 2).
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_COMPONENT_LISTS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}

_CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
_OBJECT_TYPES = ("Activity", "Agent", "Group", "SubStatement", "StatementRef")

_STATEMENT_KEYS = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"}
)
_SUBSTATEMENT_FORBIDDEN = ("id", "stored", "version", "authority")
_SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"})
_AGENT_KEYS = frozenset({"objectType", "name", *IFI_PROPERTIES})
_GROUP_KEYS = _AGENT_KEYS | {"member"}
_ACCOUNT_KEYS = frozenset({"homePage", "name"})
_VERB_KEYS = frozenset({"id", "display"})
_ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
_DEFINITION_KEYS = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern", *_COMPONENT_LISTS}
)
_COMPONENT_KEYS = frozenset({"id", "description"})
_STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
_RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions"}
)
_ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})


class StatementValidationError(ValueError):
    """`path` is a JSON path like 'statement[2].context.contextActivities.parent[0].id'; `reason` a sentence."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


# --------------------------------------------------------------------------------------------
# Format predicates
# --------------------------------------------------------------------------------------------

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# RFC 3986/3987 scheme, then at least one character. Characters that can never appear in an
# IRI (RFC 3987 section 2.2: whitespace, controls, <>"{}|\^`, lone surrogates) are refused, as
# are malformed percent-escapes and more than one fragment delimiter.
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:.+", re.DOTALL)
_IRI_FORBIDDEN_RE = re.compile("[\x00-\x20\x7f-\x9f<>\"{}|\\\\^`\ud800-\udfff\ufffe\uffff]")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_iri(value: object) -> bool:
    """True for an absolute IRI (RFC 3987): a scheme, a colon, and legal IRI characters."""
    return isinstance(value, str) and _is_iri_cached(value)


@functools.lru_cache(maxsize=65536)
def _is_iri_cached(value: str) -> bool:
    # Statements repeat the same verb, activity and extension IRIs: check each string once.
    if not _IRI_RE.fullmatch(value):
        return False
    if _IRI_FORBIDDEN_RE.search(value) or _BAD_PERCENT_RE.search(value):
        return False
    return value.count("#") <= 1


def is_irl(value: object) -> bool:
    """An IRL is an IRI meant to be resolvable; syntactically the same best-effort check (2.2.s4.b6)."""
    return is_iri(value)


def _is_uri(value: object) -> bool:
    return is_iri(value) and value.isascii()  # type: ignore[union-attr]


def is_uuid(value: object) -> bool:
    """True for a UUID in standard string form (8-4-4-4-12 hex digits, any version or variant)."""
    return isinstance(value, str) and _UUID_RE.fullmatch(value) is not None


_MAILTO_RE = re.compile(
    r"mailto:"
    r"[^\s\x00-\x1f\x7f@<>\\\"?#]+"  # local part
    r"@"
    r"[^\s\x00-\x1f\x7f@<>()\[\]\\,;:\"/?#.]+(?:\.[^\s\x00-\x1f\x7f@<>()\[\]\\,;:\"/?#.]+)*"  # domain labels
)


def is_mbox(value: object) -> bool:
    """True for a "mailto:" IRI holding one e-mail address (2.4.2.3: "mailto:email address")."""
    return isinstance(value, str) and _MAILTO_RE.fullmatch(value) is not None and is_iri(value)


_SHA1_RE = re.compile(r"[0-9a-fA-F]{40}")
# SHA-224, SHA-256, SHA-384, SHA-512 (and the /224, /256 truncations) in hex.
_SHA2_LENGTHS = frozenset({56, 64, 96, 128})
_HEX_RE = re.compile(r"[0-9a-fA-F]+")

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z\-]+"
_MEDIA_TYPE_RE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\\x00-\x08\x0a-\x1f\x7f]|\\.)*\"))*[ \t]*"
)


def is_media_type(value: object) -> bool:
    """True for an Internet Media Type (RFC 2046/7231 ``type/subtype`` with optional parameters)."""
    return isinstance(value, str) and _MEDIA_TYPE_RE.fullmatch(value) is not None


_VERSION_RE = re.compile(r"1\.0(?:\.\d+)?")


def is_supported_version(value: object) -> bool:
    """True for "1.0" or "1.0.x" (2.4.10; Communication 3.3): every 1.0.x version, nothing else."""
    return isinstance(value, str) and _VERSION_RE.fullmatch(value) is not None


# RFC 5646 section 2.1 ABNF, case-insensitive.
_LANGTAG_RE = re.compile(
    r"""
    (?P<language>[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}   # shortest ISO 639 code + up to 3 extlangs
                |[A-Za-z]{4}                          # reserved
                |[A-Za-z]{5,8})                       # registered language subtag
    (?:-[A-Za-z]{4})?                                 # script
    (?:-(?:[A-Za-z]{2}|[0-9]{3}))?                    # region
    (?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)
    (?P<extensions>(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*)
    (?:-[xX](?:-[A-Za-z0-9]{1,8})+)?                  # private use
    """,
    re.VERBOSE,
)
_PRIVATE_USE_RE = re.compile(r"[xX](?:-[A-Za-z0-9]{1,8})+")
_GRANDFATHERED = frozenset(
    tag.lower()
    for tag in (
        # irregular
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
        "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
        # regular
        "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan",
        "zh-xiang",
    )
)


def is_language_tag(value: object) -> bool:
    """True for a well-formed RFC 5646 language tag, including its two validity rules that need
    no registry: no repeated variant subtag and no repeated extension singleton (section 2.2.9)."""
    return isinstance(value, str) and _is_language_tag_cached(value)


@functools.lru_cache(maxsize=4096)
def _is_language_tag_cached(value: str) -> bool:
    if not value.isascii():
        return False
    if value.lower() in _GRANDFATHERED or _PRIVATE_USE_RE.fullmatch(value):
        return True
    match = _LANGTAG_RE.fullmatch(value)
    if not match:
        return False
    variants = [v.lower() for v in match.group("variants").split("-") if v]
    if len(variants) != len(set(variants)):
        return False
    singletons = [s.lower() for s in match.group("extensions").split("-") if len(s) == 1]
    return len(singletons) == len(set(singletons))


# ISO 8601 combined date and time, extended or basic format, with a mandatory zone designator.
_TIMESTAMP_EXTENDED_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[Tt](?P<h>\d{2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"(?P<tz>[Zz]|(?P<sign>[+-])(?P<oh>\d{2})(?::?(?P<om>\d{2}))?)"
)
_TIMESTAMP_BASIC_RE = re.compile(
    r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})[Tt](?P<h>\d{2})(?P<mi>\d{2})"
    r"(?:(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"(?P<tz>[Zz]|(?P<sign>[+-])(?P<oh>\d{2})(?P<om>\d{2})?)"
)


def parse_iso8601_timestamp(value: object) -> datetime:
    """Parse an ISO 8601 date-time that carries a time zone; return it as an aware UTC datetime.

    Accepts ``Z``/``±hh:mm``/``±hhmm``/``±hh`` offsets, seconds optional, any number of fraction
    digits (kept to the microsecond), ``24:00:00`` (end of day) and a leap second ``:60``.
    Raises ValueError for anything else, including a missing zone and the "unknown local offset"
    ``-00:00`` (RFC 3339 4.3) that the conformance suite requires an LRS to reject.
    """
    if not isinstance(value, str):
        raise ValueError("a timestamp must be a string")
    match = _TIMESTAMP_EXTENDED_RE.fullmatch(value) or _TIMESTAMP_BASIC_RE.fullmatch(value)
    if not match:
        raise ValueError("not of the form YYYY-MM-DDThh:mm[:ss[.fff]] followed by Z or a UTC offset")
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    hour, minute = int(match["h"]), int(match["mi"])
    second = int(match["s"] or 0)
    fraction = match["f"] or ""
    microsecond = int((fraction + "000000")[:6])
    if minute > 59 or second > 60 or hour > 24:
        raise ValueError("the time of day is out of range")
    if hour == 24 and (minute or second or fraction.strip("0")):
        raise ValueError("hour 24 is only allowed as 24:00:00")
    if match["tz"] in ("Z", "z"):
        offset = timedelta(0)
    else:
        offset_hours, offset_minutes = int(match["oh"]), int(match["om"] or 0)
        if offset_hours > 23 or offset_minutes > 59:
            raise ValueError("the UTC offset is out of range")
        if match["sign"] == "-" and offset_hours == 0 and offset_minutes == 0:
            raise ValueError("the offset -00:00 means 'unknown local offset' and is not allowed")
        offset = timedelta(hours=offset_hours, minutes=offset_minutes)
        if match["sign"] == "-":
            offset = -offset
    extra = timedelta(0)
    if hour == 24:
        hour, extra = 0, timedelta(days=1)
    if second == 60:
        second, extra = 59, extra + timedelta(seconds=1)
    try:
        moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)) + extra
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date-time: {exc}") from None


_DURATION_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION_RE = re.compile(
    rf"P(?:(?P<Y>{_DURATION_NUMBER})Y)?(?:(?P<Mo>{_DURATION_NUMBER})M)?(?:(?P<D>{_DURATION_NUMBER})D)?"
    rf"(?P<T>T(?:(?P<H>{_DURATION_NUMBER})H)?(?:(?P<Mi>{_DURATION_NUMBER})M)?(?:(?P<S>{_DURATION_NUMBER})S)?)?"
)
_DURATION_WEEKS_RE = re.compile(rf"P{_DURATION_NUMBER}W")


def is_iso8601_duration(value: object) -> bool:
    """True for an ISO 8601:2004 4.4.3.2 duration: ``PnYnMnDTnHnMnS`` or ``PnW``.

    At least one component, a ``T`` only when a time component follows, a decimal fraction only
    on the lowest-order component given, no sign, and not the alternative ``PYYYY-MM-DD...`` form.
    """
    if not isinstance(value, str):
        return False
    if _DURATION_WEEKS_RE.fullmatch(value):
        return True
    match = _DURATION_RE.fullmatch(value)
    if not match:
        return False
    components = [match[name] for name in ("Y", "Mo", "D", "H", "Mi", "S") if match[name] is not None]
    if not components:
        return False
    if match["T"] is not None and all(match[name] is None for name in ("H", "Mi", "S")):
        return False
    return not any("." in c or "," in c for c in components[:-1])


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _child(path: str, key: object) -> str:
    """JSON path of a property: `a.b` for plain names, `a["http://x"]` for anything else."""
    if isinstance(key, str) and _IDENTIFIER_RE.fullmatch(key):
        return f"{path}.{key}"
    return _map_key(path, key)


def _map_key(path: str, key: object) -> str:
    """JSON path of a map entry whose key is data (language tags, extension IRIs): `a["en-US"]`."""
    return f"{path}[{json.dumps(key, ensure_ascii=False) if isinstance(key, str) else repr(key)}]"


def _fail(path: str, reason: str):
    raise StatementValidationError(path, reason)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, numbers.Real) and not math.isfinite(float(value)):
        return "NaN or Infinity"
    if isinstance(value, numbers.Number):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _wrong_type(value: object, path: str, expected: str):
    if value is None:
        _fail(path, "must not be null")
    _fail(path, f"must be {expected}, not {_describe(value)}")


def _require_dict(value: object, path: str, what: str) -> dict:
    if not isinstance(value, dict):
        _wrong_type(value, path, what)
    return value  # type: ignore[return-value]


def _require_list(value: object, path: str, what: str) -> list:
    if not isinstance(value, list):
        _wrong_type(value, path, what)
    return value  # type: ignore[return-value]


def _require_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        _wrong_type(value, path, "a string")
    return value  # type: ignore[return-value]


def _require_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        _wrong_type(value, path, "a boolean (true or false)")
    return value  # type: ignore[return-value]


def _is_number(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))  # json.loads accepts NaN and Infinity by default
    )


def _require_number(value: object, path: str) -> float:
    if not _is_number(value):
        _wrong_type(value, path, "a finite number")
    return value  # type: ignore[return-value]


def _check_properties(obj: dict, path: str, allowed: Iterable[str], required: Iterable[str], what: str) -> None:
    """Unknown keys (case-sensitive), null values and missing required keys, in that order."""
    for key, value in obj.items():
        if key not in allowed:
            _fail(_child(path, key), f"is not a property of {what}")
        if value is None:
            _fail(_child(path, key), "must not be null")
    for key in required:
        if key not in obj:
            _fail(_child(path, key), f"is required in {what}")


def _require_iri(value: object, path: str, what: str = "an absolute IRI with a scheme") -> str:
    text = _require_str(value, path)
    if not is_iri(text):
        _fail(path, f"must be {what}, got {text!r}")
    return text


def _require_uuid(value: object, path: str) -> str:
    text = _require_str(value, path)
    if not is_uuid(text):
        _fail(path, f"must be a UUID in standard 8-4-4-4-12 hex form, got {text!r}")
    return text


def _require_timestamp(value: object, path: str) -> None:
    text = _require_str(value, path)
    try:
        parse_iso8601_timestamp(text)
    except ValueError as exc:
        _fail(path, f"must be an ISO 8601 date-time with a time zone, got {text!r} ({exc})")


# --------------------------------------------------------------------------------------------
# Language maps, extensions
# --------------------------------------------------------------------------------------------


def validate_language_map(obj: object, path: str) -> None:
    """A language map (4.2): a non-empty object whose keys are RFC 5646 tags and values strings."""
    lang_map = _require_dict(obj, path, "a language map (an object of language tag to string)")
    if not lang_map:
        _fail(path, "a language map must have at least one entry")
    for tag, text in lang_map.items():
        if not is_language_tag(tag):
            _fail(_map_key(path, tag), f"{tag!r} is not a valid RFC 5646 language tag")
        if not isinstance(text, str):
            _require_str(text, _map_key(path, tag))  # the path is built only when there is an error


def validate_extensions(obj: object, path: str) -> None:
    """Extensions (4.1): an object whose keys are IRIs; values may be any JSON value, null too."""
    extensions = _require_dict(obj, path, "an object mapping IRIs to values")
    for key in extensions:
        if not is_iri(key):
            _fail(_map_key(path, key), f"extension keys must be IRIs, got {key!r}")


# --------------------------------------------------------------------------------------------
# Agents and Groups (2.4.2)
# --------------------------------------------------------------------------------------------


def _validate_account(value: object, path: str) -> None:
    account = _require_dict(value, path, "an account object")
    _check_properties(account, path, _ACCOUNT_KEYS, ("homePage", "name"), "an account")
    _require_iri(account["homePage"], f"{path}.homePage", "an IRL (an absolute IRI with a scheme)")
    _require_str(account["name"], f"{path}.name")


def _validate_ifi(agent: dict, key: str, path: str) -> None:
    value = agent[key]
    ifi_path = f"{path}.{key}"
    if key == "mbox":
        text = _require_str(value, ifi_path)
        if not text.startswith("mailto:"):
            _fail(ifi_path, f"must be a mailto IRI of the form 'mailto:email address', got {text!r}")
        if not is_mbox(text):
            _fail(ifi_path, f"must hold exactly one valid e-mail address after 'mailto:', got {text!r}")
    elif key == "mbox_sha1sum":
        text = _require_str(value, ifi_path)
        if not _SHA1_RE.fullmatch(text):
            _fail(ifi_path, "must be the 40 hex digit SHA-1 of a mailto IRI")
    elif key == "openid":
        text = _require_str(value, ifi_path)
        if not _is_uri(text):
            _fail(ifi_path, f"must be an absolute URI, got {text!r}")
    else:
        _validate_account(value, ifi_path)


def _ifis_present(agent: dict) -> list[str]:
    return [key for key in IFI_PROPERTIES if key in agent]


def validate_agent(
    agent: object,
    path: str,
    allow_group: bool = True,
    *,
    require_object_type: bool = False,
) -> None:
    """An Agent, or (when `allow_group`) an identified or anonymous Group.

    `require_object_type` is for an Agent/Group used as a Statement's object (2.4.4.2.s1.b1).
    Also suitable for the `agent` query parameter once it has been JSON-decoded.
    """
    what = "an Agent or Group object" if allow_group else "an Agent object"
    obj = _require_dict(agent, path, what)
    object_type = obj.get("objectType")
    if "objectType" in obj:
        if object_type is None:
            _fail(f"{path}.objectType", "must not be null")
        if object_type not in ("Agent", "Group"):
            expected = "'Agent' or 'Group'" if allow_group else "'Agent'"
            _fail(f"{path}.objectType", f"must be {expected}, got {object_type!r}")
        if object_type == "Group" and not allow_group:
            _fail(f"{path}.objectType", "must be 'Agent': a Group is not allowed here")
    elif require_object_type:
        _fail(f"{path}.objectType", "is required when an Agent or Group is the object of a Statement")

    if object_type == "Group":
        _validate_group(obj, path)
        return

    if "member" in obj:
        _fail(f"{path}.member", "is only allowed in a Group (objectType 'Group'), not in an Agent")
    _check_properties(obj, path, _AGENT_KEYS, (), "an Agent")
    if "name" in obj:
        _require_str(obj["name"], f"{path}.name")
    ifis = _ifis_present(obj)
    if len(ifis) != 1:
        found = ", ".join(ifis) if ifis else "none"
        _fail(path, f"an Agent must have exactly one of mbox, mbox_sha1sum, openid, account (found: {found})")
    _validate_ifi(obj, ifis[0], path)


def _validate_group(group: dict, path: str) -> None:
    _check_properties(group, path, _GROUP_KEYS, (), "a Group")
    if "name" in group:
        _require_str(group["name"], f"{path}.name")
    ifis = _ifis_present(group)
    if len(ifis) > 1:
        _fail(path, f"an identified Group must have exactly one inverse functional identifier (found: {', '.join(ifis)})")
    if ifis:
        _validate_ifi(group, ifis[0], path)
    elif "member" not in group:
        _fail(f"{path}.member", "is required in an anonymous Group (a Group without an inverse functional identifier)")
    if "member" in group:
        members_path = f"{path}.member"
        members = _require_list(group["member"], members_path, "an array of Agent objects")
        if not ifis and not members:
            _fail(members_path, "an anonymous Group must list at least one member Agent")
        for index, member in enumerate(members):
            member_path = f"{members_path}[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                _fail(f"{member_path}.objectType", "a Group's members must be Agents, not Groups")
            validate_agent(member, member_path, allow_group=False)


# --------------------------------------------------------------------------------------------
# Verb (2.4.3), Activities (2.4.4.1), StatementRef (2.4.4.3)
# --------------------------------------------------------------------------------------------


def _validate_verb(value: object, path: str) -> None:
    verb = _require_dict(value, path, "a Verb object")
    _check_properties(verb, path, _VERB_KEYS, ("id",), "a Verb")
    _require_iri(verb["id"], f"{path}.id")
    if "display" in verb:
        validate_language_map(verb["display"], f"{path}.display")


def validate_activity_id(value: object, path: str = "activityId") -> None:
    """An Activity id is an absolute IRI (2.4.4.1); also used for the `activityId` parameter."""
    _require_iri(value, path)


def validate_activity(activity: object, path: str) -> None:
    """An Activity object: `id` IRI required, `objectType` "Activity" if present, `definition`."""
    obj = _require_dict(activity, path, "an Activity object")
    if "objectType" in obj and obj["objectType"] != "Activity":
        if obj["objectType"] is None:
            _fail(f"{path}.objectType", "must not be null")
        _fail(f"{path}.objectType", f"must be 'Activity', got {obj['objectType']!r}")
    _check_properties(obj, path, _ACTIVITY_KEYS, ("id",), "an Activity")
    validate_activity_id(obj["id"], f"{path}.id")
    if "definition" in obj:
        _validate_definition(obj["definition"], f"{path}.definition")


def _validate_definition(value: object, path: str) -> None:
    definition = _require_dict(value, path, "an Activity Definition object")
    _check_properties(definition, path, _DEFINITION_KEYS, (), "an Activity Definition")
    if "name" in definition:
        validate_language_map(definition["name"], f"{path}.name")
    if "description" in definition:
        validate_language_map(definition["description"], f"{path}.description")
    if "type" in definition:
        _require_iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        _require_iri(definition["moreInfo"], f"{path}.moreInfo", "an IRL (an absolute IRI with a scheme)")

    interaction_type = None
    if "interactionType" in definition:
        interaction_type = _require_str(definition["interactionType"], f"{path}.interactionType")
        if interaction_type not in INTERACTION_TYPES:
            _fail(
                f"{path}.interactionType",
                f"must be one of {', '.join(sorted(INTERACTION_TYPES))} (case-sensitive), got {interaction_type!r}",
            )

    if "correctResponsesPattern" in definition:
        crp_path = f"{path}.correctResponsesPattern"
        if interaction_type is None:
            _fail(crp_path, "is only allowed in an interaction Activity, which must have an interactionType")
        patterns = _require_list(definition["correctResponsesPattern"], crp_path, "an array of strings")
        for index, pattern in enumerate(patterns):
            _require_str(pattern, f"{crp_path}[{index}]")

    for list_name in _COMPONENT_LISTS:
        if list_name not in definition:
            continue
        list_path = f"{path}.{list_name}"
        if interaction_type is None:
            _fail(list_path, "is only allowed in an interaction Activity, which must have an interactionType")
        if list_name not in _COMPONENT_LISTS_BY_TYPE.get(interaction_type, ()):
            _fail(list_path, f"is not an interaction component list of interactionType {interaction_type!r}")
        _validate_components(definition[list_name], list_path)

    if "extensions" in definition:
        validate_extensions(definition["extensions"], f"{path}.extensions")


def _validate_components(value: object, path: str) -> None:
    components = _require_list(value, path, "an array of interaction components")
    seen: dict[str, int] = {}
    for index, component in enumerate(components):
        component_path = f"{path}[{index}]"
        obj = _require_dict(component, component_path, "an interaction component object")
        _check_properties(obj, component_path, _COMPONENT_KEYS, ("id",), "an interaction component")
        component_id = _require_str(obj["id"], f"{component_path}.id")
        if component_id in seen:
            _fail(
                f"{component_path}.id",
                f"interaction component ids must be distinct within a list; {component_id!r} is also {path}[{seen[component_id]}]",
            )
        seen[component_id] = index
        if "description" in obj:
            validate_language_map(obj["description"], f"{component_path}.description")


def _validate_statement_ref(value: object, path: str) -> None:
    ref = _require_dict(value, path, "a StatementRef object")
    _check_properties(ref, path, _STATEMENT_REF_KEYS, ("objectType", "id"), "a StatementRef")
    if ref["objectType"] != "StatementRef":
        _fail(f"{path}.objectType", f"must be 'StatementRef', got {ref['objectType']!r}")
    _require_uuid(ref["id"], f"{path}.id")


# --------------------------------------------------------------------------------------------
# Result (2.4.5), Context (2.4.6), Attachments (2.4.11)
# --------------------------------------------------------------------------------------------


def _validate_result(value: object, path: str) -> None:
    result = _require_dict(value, path, "a Result object")
    _check_properties(result, path, _RESULT_KEYS, (), "a Result")
    if "score" in result:
        _validate_score(result["score"], f"{path}.score")
    if "success" in result:
        _require_bool(result["success"], f"{path}.success")
    if "completion" in result:
        _require_bool(result["completion"], f"{path}.completion")
    if "response" in result:
        _require_str(result["response"], f"{path}.response")
    if "duration" in result:
        duration = _require_str(result["duration"], f"{path}.duration")
        if not is_iso8601_duration(duration):
            _fail(f"{path}.duration", f"must be an ISO 8601 duration such as 'PT1H30M' or 'P4W', got {duration!r}")
    if "extensions" in result:
        validate_extensions(result["extensions"], f"{path}.extensions")


def _validate_score(value: object, path: str) -> None:
    score = _require_dict(value, path, "a Score object")
    _check_properties(score, path, _SCORE_KEYS, (), "a Score")
    for key in ("scaled", "raw", "min", "max"):
        if key in score:
            _require_number(score[key], f"{path}.{key}")
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        _fail(f"{path}.scaled", f"must be between -1 and 1 inclusive, got {score['scaled']}")
    if "min" in score and "max" in score and not score["min"] < score["max"]:
        _fail(f"{path}.min", f"must be less than max ({score['max']}), got {score['min']}")
    if "raw" in score:
        if "min" in score and score["raw"] < score["min"]:
            _fail(f"{path}.raw", f"must not be less than min ({score['min']}), got {score['raw']}")
        if "max" in score and score["raw"] > score["max"]:
            _fail(f"{path}.raw", f"must not be greater than max ({score['max']}), got {score['raw']}")


def _validate_context(value: object, path: str, object_type: str) -> None:
    context = _require_dict(value, path, "a Context object")
    _check_properties(context, path, _CONTEXT_KEYS, (), "a Context")
    if "registration" in context:
        _require_uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        validate_agent(context["instructor"], f"{path}.instructor")
    if "team" in context:
        team = context["team"]
        if isinstance(team, dict) and team.get("objectType") != "Group":
            _fail(f"{path}.team", "must be a Group (objectType 'Group')")
        validate_agent(team, f"{path}.team")
    if "contextActivities" in context:
        _validate_context_activities(context["contextActivities"], f"{path}.contextActivities")
    for key in ("revision", "platform"):
        if key in context:
            _require_str(context[key], f"{path}.{key}")
            if object_type != "Activity":
                _fail(f"{path}.{key}", f"must only be used when the Statement's object is an Activity (here objectType is {object_type!r})")
    if "language" in context:
        language = _require_str(context["language"], f"{path}.language")
        if not is_language_tag(language):
            _fail(f"{path}.language", f"{language!r} is not a valid RFC 5646 language tag")
    if "statement" in context:
        _validate_statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        validate_extensions(context["extensions"], f"{path}.extensions")


def _validate_context_activities(value: object, path: str) -> None:
    context_activities = _require_dict(value, path, "a contextActivities object")
    if not context_activities:
        _fail(path, "must have at least one of parent, grouping, category, other")
    for key, activities in context_activities.items():
        key_path = _child(path, key)
        if key not in _CONTEXT_ACTIVITY_KEYS:
            _fail(key_path, "is not a context type; use parent, grouping, category or other")
        if isinstance(activities, list):
            for index, activity in enumerate(activities):
                validate_activity(activity, f"{key_path}[{index}]")
        elif isinstance(activities, dict):
            validate_activity(activities, key_path)
        else:
            _wrong_type(activities, key_path, "an Activity object or an array of Activity objects")


def _validate_attachments(value: object, path: str) -> None:
    attachments = _require_list(value, path, "an array of Attachment objects")
    for index, item in enumerate(attachments):
        item_path = f"{path}[{index}]"
        attachment = _require_dict(item, item_path, "an Attachment object")
        _check_properties(
            attachment,
            item_path,
            _ATTACHMENT_KEYS,
            ("usageType", "display", "contentType", "length", "sha2"),
            "an Attachment",
        )
        _require_iri(attachment["usageType"], f"{item_path}.usageType")
        validate_language_map(attachment["display"], f"{item_path}.display")
        if "description" in attachment:
            validate_language_map(attachment["description"], f"{item_path}.description")
        content_type = _require_str(attachment["contentType"], f"{item_path}.contentType")
        if not is_media_type(content_type):
            _fail(f"{item_path}.contentType", f"must be an Internet Media Type such as 'text/plain', got {content_type!r}")
        length = attachment["length"]
        if not isinstance(length, int) or isinstance(length, bool):
            _wrong_type(length, f"{item_path}.length", "an integer")
        if length < 0:
            _fail(f"{item_path}.length", f"must not be negative, got {length}")
        sha2 = _require_str(attachment["sha2"], f"{item_path}.sha2")
        if len(sha2) not in _SHA2_LENGTHS or not _HEX_RE.fullmatch(sha2):
            _fail(f"{item_path}.sha2", "must be a hex-encoded SHA-2 hash (56, 64, 96 or 128 hex digits)")
        if "fileUrl" in attachment:
            _require_iri(attachment["fileUrl"], f"{item_path}.fileUrl", "an IRL (an absolute IRI with a scheme)")


# --------------------------------------------------------------------------------------------
# Statements and SubStatements
# --------------------------------------------------------------------------------------------


def _validate_object(value: object, path: str, *, in_substatement: bool) -> str:
    """Validate a Statement's object; return its (possibly defaulted) objectType."""
    obj = _require_dict(value, path, "an Activity, Agent, Group, SubStatement or StatementRef object")
    if "objectType" in obj:
        object_type = obj["objectType"]
        if object_type is None:
            _fail(f"{path}.objectType", "must not be null")
        if object_type not in _OBJECT_TYPES:
            _fail(f"{path}.objectType", f"must be one of {', '.join(_OBJECT_TYPES)} (case-sensitive), got {object_type!r}")
    else:
        object_type = "Activity"
    if object_type == "Activity":
        validate_activity(obj, path)
    elif object_type in ("Agent", "Group"):
        validate_agent(obj, path, require_object_type=True)
    elif object_type == "StatementRef":
        _validate_statement_ref(obj, path)
    elif in_substatement:
        _fail(f"{path}.objectType", "a SubStatement must not contain another SubStatement")
    else:
        _validate_substatement(obj, path)
    return object_type


def _validate_common(statement: dict, path: str, *, is_substatement: bool) -> None:
    """The parts shared by Statements and SubStatements, in a fixed order."""
    validate_agent(statement["actor"], f"{path}.actor")
    _validate_verb(statement["verb"], f"{path}.verb")
    object_type = _validate_object(statement["object"], f"{path}.object", in_substatement=is_substatement)
    if statement["verb"]["id"] == VOIDED_VERB_ID and object_type != "StatementRef":
        _fail(f"{path}.object", "a voiding Statement (verb 'voided') must have a StatementRef as its object")
    if "result" in statement:
        _validate_result(statement["result"], f"{path}.result")
    if "context" in statement:
        _validate_context(statement["context"], f"{path}.context", object_type)
    if "timestamp" in statement:
        _require_timestamp(statement["timestamp"], f"{path}.timestamp")
    if "attachments" in statement:
        _validate_attachments(statement["attachments"], f"{path}.attachments")


def _validate_substatement(sub: dict, path: str) -> None:
    for key in _SUBSTATEMENT_FORBIDDEN:
        if key in sub:
            _fail(f"{path}.{key}", f"a SubStatement must not have the '{key}' property")
    _check_properties(sub, path, _SUBSTATEMENT_KEYS, ("actor", "verb", "object"), "a SubStatement")
    _validate_common(sub, path, is_substatement=True)


def _validate_authority(value: object, path: str) -> None:
    validate_agent(value, path)
    if value.get("objectType") != "Group":  # type: ignore[union-attr]
        return
    ifis = _ifis_present(value)  # type: ignore[arg-type]
    if ifis:
        _fail(path, "a Group authority (3-legged OAuth) must be an anonymous Group, without an inverse functional identifier")
    if len(value["member"]) != 2:  # type: ignore[index]
        _fail(f"{path}.member", "a Group authority (3-legged OAuth) must have exactly two member Agents")


def validate_statement(statement: object, path: str = "statement") -> None:
    """Raise StatementValidationError for the first problem found."""
    stmt = _require_dict(statement, path, "a Statement object")
    _check_properties(stmt, path, _STATEMENT_KEYS, ("actor", "verb", "object"), "a Statement")
    if "id" in stmt:
        _require_uuid(stmt["id"], f"{path}.id")
    _validate_common(stmt, path, is_substatement=False)
    if "stored" in stmt:
        _require_timestamp(stmt["stored"], f"{path}.stored")
    if "authority" in stmt:
        _validate_authority(stmt["authority"], f"{path}.authority")
    if "version" in stmt:
        version = _require_str(stmt["version"], f"{path}.version")
        if not is_supported_version(version):
            _fail(f"{path}.version", f"must be '1.0' or start with '1.0.' followed by a number, got {version!r}")


def validate_statements(payload: object) -> list[dict]:
    """Accept one statement object or a non-empty list of them; validate each (path 'statement[i]' for lists,
    'statement' for a single one); raise on the first problem; also raise if two statements in the list have
    the same 'id' (400 duplicate ids in a batch). Return the list of statements."""
    if isinstance(payload, dict):
        validate_statement(payload, "statement")
        return [payload]
    if not isinstance(payload, list):
        _wrong_type(payload, "statement", "a Statement object or a non-empty array of Statement objects")
    if not payload:  # type: ignore[truthy-bool]
        _fail("statement", "an array of Statements must contain at least one Statement")
    seen: dict[str, int] = {}
    for index, statement in enumerate(payload):  # type: ignore[arg-type]
        path = f"statement[{index}]"
        validate_statement(statement, path)
        if "id" in statement:
            key = statement["id"].lower()  # UUIDs compare case-insensitively
            if key in seen:
                _fail(f"{path}.id", f"duplicate Statement id {statement['id']!r} in the batch (also statement[{seen[key]}])")
            seen[key] = index
    return payload  # type: ignore[return-value]
