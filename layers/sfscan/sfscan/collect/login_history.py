"""LoginHistory inside the look-back window, aggregated by the org when it can.

A busy org logs hundreds of thousands of logins a month; the rules only need, per user, login
type, status, source IP and app, how many and the latest. ``GROUP BY`` gives exactly that in a
few calls. An aggregate query cannot page past 2,000 groups, so a window that overflows is cut
into day slices, and a slice that still overflows is halved; groups are merged across slices.
If the org refuses the aggregate query, raw rows are paged instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.plan import (
    LOGIN_HISTORY_GROUP_FIELDS,
    login_history_aggregate_query,
    login_history_raw_query,
)

Record = dict[str, Any]
MAX_GROUPS = 2000
DAY = timedelta(days=1)
MIN_SLICE = timedelta(minutes=1)
# More aggregate calls than this costs more than paging raw rows would: fall back.
MAX_AGGREGATE_CALLS = 400


@dataclass(frozen=True)
class LoginHistory:
    rows: list[Record]
    mode: Literal["aggregate", "raw"]
    calls: int


class _UseRawRows(Exception):
    pass


def _too_many_groups(exc: SourceUnavailable) -> bool:
    """More groups than one batch holds ("Aggregate query does not support queryMore()").

    The one place we must read a message: the org has been seen answering it with
    EXCEEDED_ID_LIMIT as well as MALFORMED_QUERY, and MALFORMED_QUERY also covers "this
    grouping is not allowed"; only an overflow is cured by slicing (facts.ANSWERS)."""
    text = exc.message.lower()
    return exc.code in ("EXCEEDED_ID_LIMIT", "MALFORMED_QUERY") and any(
        hint in text for hint in ("too many", "querymore", "more than 2000", "more than 2,000")
    )


def _split(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    if end - start > DAY:
        slices = []
        cursor = start
        while cursor < end:
            slices.append((cursor, min(cursor + DAY, end)))
            cursor += DAY
        return slices
    middle = start + (end - start) / 2
    return [(start, middle), (middle, end)]


def _key(row: Record) -> tuple[Any, ...]:
    return tuple(row.get(f) for f in LOGIN_HISTORY_GROUP_FIELDS)


def _later(a: Any, b: Any) -> Any:
    """The later of two REST date-times (same format from one org, so text order is time)."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda v: str(v).replace("Z", "+0000"))


def _collect_aggregate(
    query: Callable[[str], list[Record]], start: datetime, end: datetime
) -> tuple[list[Record], int]:
    merged: dict[tuple[Any, ...], Record] = {}
    pending = [(start, end)]
    calls = 0
    while pending:
        slice_start, slice_end = pending.pop(0)
        if calls >= MAX_AGGREGATE_CALLS:
            raise _UseRawRows()
        calls += 1
        try:
            rows = query(login_history_aggregate_query(slice_start, slice_end))
            overflow = len(rows) >= MAX_GROUPS
        except SourceUnavailable as exc:
            if _too_many_groups(exc):
                rows, overflow = [], True
            elif exc.code in ("MALFORMED_QUERY", "INVALID_FIELD"):
                raise _UseRawRows() from None
            else:
                raise
        if overflow:
            if slice_end - slice_start <= MIN_SLICE:
                raise _UseRawRows()
            pending[:0] = _split(slice_start, slice_end)
            continue
        for row in rows:
            group = {f: row.get(f) for f in LOGIN_HISTORY_GROUP_FIELDS}
            count = int(row.get("n") or 0)
            last = row.get("lastLogin")
            existing = merged.get(_key(group))
            if existing is None:
                merged[_key(group)] = {**group, "count": count, "LoginTime": last}
            else:
                existing["count"] += count
                existing["LoginTime"] = _later(existing["LoginTime"], last)
    ordered = sorted(merged.values(), key=lambda r: tuple(str(v) for v in _key(r)))
    return ordered, calls


def collect_login_history(
    query: Callable[[str], list[Record]], start: datetime, end: datetime
) -> LoginHistory:
    """Logins with ``start < LoginTime <= end``. SourceUnavailable (no access) propagates."""
    try:
        rows, calls = _collect_aggregate(query, start, end)
    except _UseRawRows:
        raw = query(login_history_raw_query(start, end))
        return LoginHistory(rows=raw, mode="raw", calls=0)
    return LoginHistory(rows=rows, mode="aggregate", calls=calls)
