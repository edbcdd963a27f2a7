"""Sorted per-field indexes of one object's rows, for the filters and keyset paging the
collector sends (orgsim.soql_eval evaluates; this module only narrows which rows it examines).

A comparison of a field with a text or date-time literal at the top of ``WHERE`` (``=``, ``<``,
``<=``, ``>``, ``>=``, ANDed) is answered from the field's index: the rows examined are those of
the narrowest indexed field, its comparisons intersected, and they are tested from the indexes'
keys, with the same semantics as ``soql_eval.compare``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from orgsim.soql import parse_datetime
from orgsim.soql_ast import BoolOp, Comparison, Condition, DateRange, Literal

Record = dict[str, Any]
Matches = Callable[[Record, Condition | None], bool]


class Indexed(Protocol):
    """What the index needs of soql_eval.ObjectData: its weighted rows and their indexes."""

    @property
    def rows(self) -> tuple[tuple[Record, int], ...]: ...

    def index(self, name: str, kind: str) -> SortedIndex: ...


_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?")


def as_datetime(value: Any) -> datetime | None:
    return _parse_datetime_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=1 << 20)
def _parse_datetime_text(value: str) -> datetime | None:
    # Cached: every query over LoginHistory compares the same LoginTime strings again.
    if _DATETIME_TEXT.match(value):
        try:
            return parse_datetime(value if "T" in value or " " in value else value + "T00:00:00Z")
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class SortedIndex:
    """(comparison key, row position) pairs in key order; rows the literal kind never matches
    (None, booleans, text that is no date-time) are left out."""

    keys: list[Any]
    positions: list[int]
    by_position: list[Any]  # each row's key (None: the row never matches such a literal)

    @staticmethod
    def build(rows: tuple[tuple[Record, int], ...], name: str, kind: str) -> SortedIndex:
        by_position = [index_key(rec.get(name), kind) for rec, _ in rows]
        pairs = [(key, position) for position, key in enumerate(by_position) if key is not None]
        pairs.sort(key=lambda pair: pair[0])
        return SortedIndex([k for k, _ in pairs], [p for _, p in pairs], by_position)

    def test(self, op: str, literal: Literal) -> Callable[[int], bool]:
        """``value <op> literal`` for the row at a position, from its key (as ``compare``)."""
        keys = self.by_position
        if isinstance(literal, DateRange):
            low, high = literal.start, literal.end
            return {
                "=": lambda p: keys[p] is not None and low <= keys[p] < high,
                "<": lambda p: keys[p] is not None and keys[p] < low,
                "<=": lambda p: keys[p] is not None and keys[p] < high,
                ">": lambda p: keys[p] is not None and keys[p] >= high,
                ">=": lambda p: keys[p] is not None and keys[p] >= low,
            }[op]
        text = str(literal).casefold()
        return {
            "=": lambda p: keys[p] is not None and keys[p] == text,
            "<": lambda p: keys[p] is not None and keys[p] < text,
            "<=": lambda p: keys[p] is not None and keys[p] <= text,
            ">": lambda p: keys[p] is not None and keys[p] > text,
            ">=": lambda p: keys[p] is not None and keys[p] >= text,
        }[op]

    def span(self, op: str, literal: Literal) -> tuple[int, int]:
        """The slice of ``positions`` whose rows can satisfy ``value <op> literal``."""
        low: Any
        high: Any
        if isinstance(literal, DateRange):
            low, high = literal.start, literal.end  # [start, end) as datetimes
        else:
            low = high = str(literal).casefold()
        n = len(self.keys)
        left = bisect.bisect_left
        right = bisect.bisect_right if not isinstance(literal, DateRange) else left
        spans = {
            "=": (left(self.keys, low), right(self.keys, high)),
            "<": (0, left(self.keys, low)),
            "<=": (0, right(self.keys, high)),
            ">": (right(self.keys, high), n),
            ">=": (left(self.keys, low), n),
        }
        return spans[op]


def index_key(value: Any, kind: str) -> Any:
    if value is None or isinstance(value, bool):
        return None
    if kind == "time":
        return as_datetime(value)
    return str(value).casefold()


_INDEXED_OPS = frozenset({"=", "<", "<=", ">", ">="})


def narrowing(cond: Condition) -> list[Comparison]:
    """The comparisons every matching row must satisfy (the top-level AND's parts)."""
    parts = cond.parts if isinstance(cond, BoolOp) and cond.op == "AND" else (cond,)
    return [
        p
        for p in parts
        if isinstance(p, Comparison)
        and p.op in _INDEXED_OPS
        and (isinstance(p.value, DateRange | str))
    ]


def candidates(data: Indexed, where: Condition | None) -> Iterator[int] | range:
    """Row positions that may match, in row order: the narrowest indexed field's rows, its
    comparisons intersected (every candidate is still checked against the whole condition)."""
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for comparison in narrowing(where) if where is not None else []:
        kind = "time" if isinstance(comparison.value, DateRange) else "text"
        lo, hi = data.index(comparison.field, kind).span(comparison.op, comparison.value)  # type: ignore[arg-type]
        known_lo, known_hi = spans.get((comparison.field, kind), (lo, hi))
        spans[(comparison.field, kind)] = (max(lo, known_lo), min(hi, known_hi))
    if not spans:
        return range(len(data.rows))
    (name, kind), (lo, hi) = min(spans.items(), key=lambda item: item[1][1] - item[1][0])
    positions = data.index(name, kind).positions
    return iter(sorted(itertools.islice(positions, lo, max(lo, hi))))


def row_test(data: Indexed, where: Condition | None, matches: Matches) -> Callable[[int], bool]:
    """Whether the row at a position matches: from the indexes' keys when the condition is an
    AND of indexable comparisons (what the collector sends), else ``matches``."""
    if where is None:
        return lambda position: True
    parts = where.parts if isinstance(where, BoolOp) and where.op == "AND" else (where,)
    indexed = narrowing(where)
    if len(indexed) != len(parts):
        return lambda position: matches(data.rows[position][0], where)
    tests = [
        data.index(c.field, "time" if isinstance(c.value, DateRange) else "text").test(
            c.op,
            c.value,  # type: ignore[arg-type]
        )
        for c in indexed
    ]
    return lambda position: all(test(position) for test in tests)


def rows_until(
    data: Indexed,
    where: Condition | None,
    name: str,
    wanted: int,
    group_by: tuple[str, ...],
    matches: Matches,
) -> list[tuple[int, Record, int]] | None:
    """For keyset paging over groups (``GROUP BY ... ORDER BY name LIMIT n``): the matching rows
    in ``name`` order until ``wanted`` groups are complete (the rows sharing the last group's
    value are all read: ties are the org's to order). None when some row holds no text value
    for ``name`` (they would sort first)."""
    index = data.index(name, "text")
    if len(index.keys) != len(data.rows):
        return None
    lo, hi = 0, len(index.keys)
    for comparison in narrowing(where) if where is not None else []:
        if comparison.field == name and isinstance(comparison.value, str):
            c_lo, c_hi = index.span(comparison.op, comparison.value)
            lo, hi = max(lo, c_lo), min(hi, c_hi)
    seen: set[tuple[Any, ...]] = set()
    rows: list[tuple[int, Record, int]] = []
    stop_key: Any = None
    test = row_test(data, where, matches)
    for at in range(lo, hi):
        key = index.keys[at]
        if stop_key is not None and key != stop_key:
            break
        rec, weight = data.rows[index.positions[at]]
        if weight <= 0 or not test(index.positions[at]):
            continue
        rows.append((index.positions[at], rec, weight))
        seen.add(tuple(rec.get(g) for g in group_by))
        if stop_key is None and len(seen) >= wanted:
            stop_key = key
    return rows
