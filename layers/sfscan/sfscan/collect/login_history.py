"""LoginHistory inside the look-back window, aggregated by the org when it can.

A busy org logs hundreds of thousands of logins a month; the rules only need, per user, login
type, status, source IP and app, how many and the latest. ``GROUP BY`` gives exactly that, but an
aggregate query cannot page past 2,000 groups. So the groups are read in slices of ``UserId``
(each (user, IP, type, ...) group lands in exactly one slice), ordered by ``UserId`` with
``LIMIT 2000``: a full answer ends at some user, and the next call starts at that user (whose
groups may have been cut, so they are read again). Nothing an answer holds is thrown away.

1. One ordered aggregate over the whole window: fewer than 2,000 groups is the whole answer.
2. Otherwise one ``COUNT()`` of the window says what paging raw rows would cost
   (ceil(rows / 2,000) calls); the groups seen so far give groups per user, and with the scan's
   User Ids (when known) the remaining users are cut into up to ``WORKERS`` contiguous ranges
   read concurrently. Aggregate calls never exceed what raw paging would cost: when the
   estimate says raw rows are cheaper, or the budget runs out, the rest is read as raw rows
   (aggregated here, as they arrive).
3. The groups' counts must add up to the ``COUNT()``; if they do not (the org orders Ids in a
   way the ranges did not expect), the window is read again as raw rows.

If the org refuses the aggregate query, or a range filter on ``UserId``, raw rows are paged.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from simple_salesforce.format import format_soql

from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.plan import (
    LOGIN_HISTORY_GROUP_FIELDS,
    LOGIN_HISTORY_RAW_FIELDS,
    login_history_raw_query,
    login_history_window_filter,
)

Record = dict[str, Any]
Query = Callable[[str], list[Record]]
MAX_GROUPS = 2000  # one aggregate answer; GROUP BY results cannot be paged
ROWS_PER_PAGE = 2000  # one raw page at batchSize=2000
WORKERS = 4  # concurrent UserId ranges
# One more range must be worth at least this many calls, so that the partly filled last answer
# of each range costs at most ~5 % more calls than perfectly full answers would.
CALLS_PER_RANGE = 20
# UserId ranges: see the UserId fact of sobject:LoginHistory in facts.py. A refused range falls
# back to raw rows, and the COUNT() check catches an Id order that differs from ours.


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


def _later(a: Any, b: Any) -> Any:
    """The later of two REST date-times (same format from one org, so text order is time)."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda v: str(v).replace("Z", "+0000"))


_KEY = LOGIN_HISTORY_GROUP_FIELDS


@dataclass(frozen=True)
class Bound:
    """One end of a UserId range: ``UserId >= value`` (inclusive) or ``UserId > value``."""

    value: str
    inclusive: bool = True


@dataclass
class _Groups:
    """The merged groups (compact: one dict per group) and the aggregate calls spent."""

    by_key: dict[tuple[Any, ...], Record] = field(default_factory=dict)
    calls: int = 0  # aggregate calls
    budget: int | None = None  # aggregate calls allowed: what raw paging would cost
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self) -> bool:
        """Count one aggregate call; False when the budget is used up (read raw rows)."""
        with self.lock:
            if self.budget is not None and self.calls >= self.budget:
                return False
            self.calls += 1
            return True

    def add(self, rows: Iterable[Record], *, raw: bool = False) -> None:
        with self.lock:
            for row in rows:
                key = tuple(row.get(f) for f in _KEY)
                count = 1 if raw else int(row.get("n") or 0)
                last = row.get("LoginTime") if raw else row.get("lastLogin")
                existing = self.by_key.get(key)
                if existing is None:
                    self.by_key[key] = {**dict(zip(_KEY, key, strict=True)), "count": count}
                    self.by_key[key]["LoginTime"] = last
                else:
                    existing["count"] += count
                    existing["LoginTime"] = _later(existing["LoginTime"], last)

    def total(self) -> int:
        with self.lock:
            return sum(int(g["count"]) for g in self.by_key.values())

    def rows(self) -> list[Record]:
        return sorted(self.by_key.values(), key=lambda r: tuple(str(r[f]) for f in _KEY))


def _range_filter(low: Bound | None, high: str | None) -> str:
    parts = []
    if low is not None:
        op = ">=" if low.inclusive else ">"
        parts.append(format_soql(f"UserId {op} {{}}", low.value))
    if high is not None:
        parts.append(format_soql("UserId < {}", high))
    return "".join(f" AND {p}" for p in parts)


def aggregate_slice_query(
    start: datetime, end: datetime, low: Bound | None = None, high: str | None = None
) -> str:
    """Groups of the users in [low, high), ordered by UserId, at most one answer's worth."""
    groups = ", ".join(_KEY)
    # "last" is a reserved SOQL keyword (NULLS LAST), hence the alias lastLogin.
    return (
        f"SELECT {groups}, COUNT(Id) n, MAX(LoginTime) lastLogin FROM LoginHistory "  # noqa: S608
        f"WHERE {login_history_window_filter(start, end)}{_range_filter(low, high)} "
        f"GROUP BY {groups} ORDER BY UserId LIMIT {MAX_GROUPS}"
    )


def raw_slice_query(
    start: datetime, end: datetime, low: Bound | None = None, high: str | None = None
) -> str:
    """Raw rows of the users in [low, high)."""
    fields = ", ".join(LOGIN_HISTORY_RAW_FIELDS)
    return (
        f"SELECT {fields} FROM LoginHistory "  # noqa: S608 - constant names, quoted values
        f"WHERE {login_history_window_filter(start, end)}{_range_filter(low, high)}"
    )


def raw_user_query(start: datetime, end: datetime, user_id: str) -> str:
    fields = ", ".join(LOGIN_HISTORY_RAW_FIELDS)
    return (
        f"SELECT {fields} FROM LoginHistory "  # noqa: S608 - constant names, quoted values
        f"WHERE {login_history_window_filter(start, end)} AND "
        + format_soql("UserId = {}", user_id)
    )


def count_query(start: datetime, end: datetime) -> str:
    window = login_history_window_filter(start, end)
    return f"SELECT COUNT() FROM LoginHistory WHERE {window}"  # noqa: S608 - constant names


@dataclass(frozen=True)
class _Window:
    query: Query
    start: datetime
    end: datetime
    groups: _Groups


def _ask(window: _Window, soql: str) -> list[Record]:
    """One query; a refused query shape (aggregate, range filter) means: page raw rows."""
    try:
        return window.query(soql)
    except SourceUnavailable as exc:
        if _too_many_groups(exc) or exc.code in ("MALFORMED_QUERY", "INVALID_FIELD"):
            raise _UseRawRows() from None
        raise


def _raw_range(window: _Window, low: Bound | None, high: str | None) -> None:
    rows = _ask(window, raw_slice_query(window.start, window.end, low, high))
    window.groups.add(rows, raw=True)


def _full_answer(window: _Window, rows: list[Record]) -> Bound:
    """Keep a full answer's complete users; the next call starts at its last user, whose groups
    may have been cut. A single user with 2,000 groups or more is read as raw rows."""
    last = str(rows[-1].get("UserId"))
    complete = [r for r in rows if r.get("UserId") != last]
    if complete:
        window.groups.add(complete)
        return Bound(last, inclusive=True)
    user_rows = _ask(window, raw_user_query(window.start, window.end, last))
    window.groups.add(user_rows, raw=True)
    return Bound(last, inclusive=False)


def _read_range(window: _Window, low: Bound | None, high: str | None) -> None:
    """All groups of users in [low, high): ordered answers, each starting where the last ended;
    raw rows for what is left once the aggregate budget is spent."""
    while True:
        if not window.groups.spend():
            _raw_range(window, low, high)
            return
        rows = _ask(window, aggregate_slice_query(window.start, window.end, low, high))
        if len(rows) < MAX_GROUPS:
            window.groups.add(rows)
            return
        low = _full_answer(window, rows)


def _after(low: Bound, users: list[str]) -> list[str]:
    return sorted(u for u in users if u > low.value or (low.inclusive and u == low.value))


def _ranges(low: Bound, remaining: list[str], calls: int) -> list[tuple[Bound, str | None]]:
    """[low, b1), [b1, b2) ... [bk, end): contiguous UserId ranges of about equal user counts,
    one per ``CALLS_PER_RANGE`` estimated calls, at most ``WORKERS``."""
    count = max(1, min(WORKERS, calls // CALLS_PER_RANGE, len(remaining)))
    if count == 1:
        return [(low, None)]
    step = len(remaining) / count
    cuts = [remaining[round(i * step)] for i in range(1, count)]
    starts: list[Bound] = [low, *(Bound(c) for c in cuts)]
    ends: list[str | None] = [*cuts, None]
    return list(zip(starts, ends, strict=True))


def _plan_rest(window: _Window, low: Bound, rows: int, users: list[str]) -> tuple[int, int]:
    """(aggregate calls, raw pages) the users from ``low`` on would cost, estimated from the
    groups per listed user seen so far."""
    with window.groups.lock:
        seen = len(window.groups.by_key)
    listed_before = sum(1 for u in users if u < low.value) or 1
    remaining = len(_after(low, users))
    aggregate_calls = math.ceil(seen / listed_before * remaining / MAX_GROUPS)
    raw_pages = math.ceil(max(rows - window.groups.total(), 0) / ROWS_PER_PAGE)
    return aggregate_calls, raw_pages


def _read_sliced(
    window: _Window,
    first: list[Record],
    count: Callable[[str], int],
    user_ids: Callable[[], list[str] | None],
) -> int:
    """Past the first answer: COUNT(), then the remaining users; returns the COUNT()."""
    low = _full_answer(window, first)
    rows = count(count_query(window.start, window.end))
    window.groups.budget = math.ceil(rows / ROWS_PER_PAGE)
    users = user_ids()
    ranges: list[tuple[Bound, str | None]] = [(low, None)]
    if users is not None:
        aggregate_calls, raw_pages = _plan_rest(window, low, rows, users)
        if aggregate_calls >= raw_pages:
            _raw_range(window, low, None)
            return rows
        ranges = _ranges(low, _after(low, users), aggregate_calls)
    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="sfscan-lh") as pool:
        for future in [pool.submit(_read_range, window, lo, hi) for lo, hi in ranges]:
            future.result()
    return rows


def collect_login_history(
    query: Query,
    start: datetime,
    end: datetime,
    *,
    count: Callable[[str], int] | None = None,
    user_ids: Callable[[], list[str] | None] = lambda: None,
) -> LoginHistory:
    """Logins with ``start < LoginTime <= end``. SourceUnavailable (no access) propagates.

    ``count`` runs a ``COUNT()`` query (its totalSize); ``user_ids`` gives the org's User Ids
    when the scan has read them (else None: the users past the first answer are one range).
    """
    window = _Window(query, start, end, _Groups(calls=1))
    try:
        first = _ask(window, aggregate_slice_query(start, end))
        if len(first) < MAX_GROUPS:
            window.groups.add(first)
        elif count is None:
            _read_range(window, _full_answer(window, first), None)
        elif _read_sliced(window, first, count, user_ids) != window.groups.total():
            raise _UseRawRows()  # the ranges missed or repeated logins: read them all raw
    except _UseRawRows:
        raw = query(login_history_raw_query(start, end))
        return LoginHistory(rows=raw, mode="raw", calls=0)
    return LoginHistory(rows=window.groups.rows(), mode="aggregate", calls=window.groups.calls)
