"""Reading loosely typed API values (booleans, times, text) the same way in every rule.

Snapshot records keep the API's own shapes: REST gives JSON booleans, the Metadata API (through
zeep or a hand-written SOAP reader) may give "true"/"false" strings, and absent fields are None.
Each helper returns None for "absent or unreadable" so the caller decides NOT_AVAILABLE.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


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


def iso(moment: datetime) -> str:
    """The evidence form of a time: ISO 8601 in UTC with a trailing Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def nested(record: Any, *path: str) -> Any:
    """record[path[0]][path[1]]... or None when any step is absent or not a mapping."""
    current = record
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
