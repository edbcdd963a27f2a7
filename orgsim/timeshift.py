"""Move a snapshot in time, so a simulated org looks the same on any day it is served.

The demo org was captured at a fixed moment; a live scan looks back from the wall clock. Served
as captured, its logins would fall out of the look-back window a month later. ``rebase`` shifts
every date-time in the records (and ``captured_at``) by the same amount, keeping each value's
textual form, so "3 days ago" stays 3 days ago.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sfscan.domain.snapshot import Snapshot, parse_snapshot

_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _shift_text(value: str, delta: timedelta) -> str:
    m = _DATETIME.match(value)
    if m:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
        moment = moment.astimezone(UTC)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if m.group(3):
            text += f".{moment.microsecond:06d}"[: len(m.group(3))]
        zone = m.group(4)
        return text + ("Z" if zone == "Z" else ("+00:00" if ":" in zone else "+0000"))
    if _DATE.match(value):
        return (datetime.fromisoformat(value) + timedelta(days=delta.days)).date().isoformat()
    return value


def _shift(value: Any, delta: timedelta) -> Any:
    if isinstance(value, str):
        return _shift_text(value, delta)
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    if isinstance(value, dict):
        return {k: _shift(v, delta) for k, v in value.items()}
    return value


def rebase(snapshot: Snapshot, as_of: datetime) -> Snapshot:
    """The same org with ``captured_at == as_of`` and every record date-time moved alike."""
    delta = as_of.astimezone(UTC).replace(microsecond=0) - snapshot.captured_at
    data = snapshot.to_json_dict()
    for section in ("sobjects", "tooling"):
        data[section] = _shift(data[section], delta)
    data["captured_at"] = (snapshot.captured_at + delta).isoformat()
    return parse_snapshot(data, "rebased snapshot")
