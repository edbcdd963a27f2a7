"""Reading loosely typed API values (booleans, times, text) the same way in every rule.

Snapshot records keep the API's own shapes: REST gives JSON booleans, the Metadata API (through
zeep or a hand-written SOAP reader) may give "true"/"false" strings, and absent fields are None.
Each helper returns None for "absent or unreadable" so the caller decides NOT_AVAILABLE.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_SF_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def as_bool(value: Any) -> bool | None:
    """True/False for a boolean or its text form; None when absent or anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in ("true", "false"):
            return folded == "true"
    return None


def as_text(value: Any) -> str:
    """A stripped string, or "" for None and non-strings."""
    return value.strip() if isinstance(value, str) else ""


def id_key(value: Any) -> str:
    """The join key of a Salesforce id: its case-sensitive 15-character form.

    REST gives 18-character ids; reports, exports and some APIs give the 15-character form.
    Both name the same record, so every lookup between records goes through this key.
    """
    text = as_text(value)
    return text[:15] if _SF_ID.fullmatch(text) else text


def record_id_key(value: Any) -> str:
    """``id_key`` of a value that must be a Salesforce id (a lookup such as ``UserId``); "" when
    it is not one, so that a malformed lookup is seen as unreadable, never as another record."""
    text = as_text(value)
    return text[:15] if _SF_ID.fullmatch(text) else ""


def id18(value: Any) -> str:
    """The 18-character form of a Salesforce id (resource ids); other text is returned as is."""
    text = as_text(value)
    if len(text) != 15 or not _SF_ID.fullmatch(text):
        return text
    suffix = ""
    for chunk in (text[0:5], text[5:10], text[10:15]):
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _ID_SUFFIX[bits]
    return text + suffix


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 (``...+0000``, ``...Z`` or a bare date); None if unreadable.

    A value without an offset is UTC, as Salesforce reports every date-time in GMT.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def nested(record: Any, *path: str) -> Any:
    """record[path[0]][path[1]]... or None when any step is absent or not a mapping."""
    current = record
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
