"""Evaluate a parsed SOQL query (orgsim.soql) over one object's snapshot records.

Rows are weighted: a LoginHistory row with ``count`` stands for that many identical logins, so
plain queries expand it into that many records and COUNT() adds the weights up. Expansion is
lazy (segments), so a row with count 100000 costs nothing until a page is read.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from orgsim.soql import SoqlError, malformed
from orgsim.soql_ast import (
    Aggregate,
    BoolOp,
    Comparison,
    Condition,
    DateRange,
    Field,
    Like,
    Literal,
    Not,
    Query,
)
from orgsim.soql_index import (
    SortedIndex,
    candidates,
    row_test,
    rows_until,
)
from orgsim.soql_index import as_datetime as _as_datetime

Record = dict[str, Any]
MAX_GROUPS = 2000


@dataclass(frozen=True)
class ObjectData:
    """What the evaluator needs about one object: its canonical name, fields and rows.

    Built once per object (the store caches it until an admin change), so the sorted indexes
    a filter narrows its candidates with are built once too, on first use.
    """

    name: str
    fields: tuple[str, ...]
    rows: tuple[tuple[Record, int], ...]  # (record, weight)
    id_prefix: str
    _indexes: dict[tuple[str, str], SortedIndex] = field(
        default_factory=dict, compare=False, repr=False
    )

    def index(self, name: str, kind: str) -> SortedIndex:
        """The rows' values of ``name`` as compared with a text or a date-time literal."""
        key = (name, kind)
        found = self._indexes.get(key)
        if found is None:
            found = self._indexes[key] = SortedIndex.build(self.rows, name, kind)
        return found


@dataclass(frozen=True)
class Segment:
    record: Record
    row_index: int
    first_copy: int
    copies: int


@dataclass(frozen=True)
class Outcome:
    """A query's answer: ``total_size`` records, read page by page with ``page``."""

    total_size: int
    segments: tuple[Segment, ...] = ()
    fields: tuple[str, ...] = ()
    aggregate_rows: tuple[Record, ...] | None = None
    id_prefix: str = "000"

    @property
    def pageable(self) -> bool:
        return self.aggregate_rows is None

    def page(self, start: int, stop: int) -> list[tuple[str | None, Record]]:
        """(Id, record) for records [start, stop); the server adds ``attributes`` from the Id."""
        if self.aggregate_rows is not None:
            return [(None, row) for row in self.aggregate_rows[start:stop]]
        out: list[tuple[str | None, Record]] = []
        offsets = self._offsets
        at = max(bisect.bisect_right(offsets, start) - 1, 0)
        for seg, position in zip(self.segments[at:], offsets[at:], strict=True):
            first = max(start - position, 0)
            last = min(stop - position, seg.copies)
            for copy in range(first, last):
                out.append(self._project(seg, seg.first_copy + copy))
            if position + seg.copies >= stop:
                break
        return out

    @functools.cached_property
    def _offsets(self) -> list[int]:
        """Where each segment starts among the records, so a page finds its first in log n."""
        return list(itertools.accumulate((s.copies for s in self.segments), initial=0))[:-1]

    def _project(self, seg: Segment, copy: int) -> tuple[str, Record]:
        rec = {f: seg.record.get(f) for f in self.fields}
        record_id = seg.record.get("Id")
        if copy > 0 or not record_id:
            record_id = synthetic_id(self.id_prefix, seg.row_index, copy)
        if "Id" in self.fields:
            rec["Id"] = record_id
        return str(record_id), rec


def synthetic_id(prefix: str, row_index: int, copy: int = 0) -> str:
    """A stable 18-character Id for a record the snapshot stored without one."""
    return f"{prefix[:3]:0<3}SIM{row_index * 10_000_000 + copy:012X}"


# -- value semantics --------------------------------------------------------------------------


def sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    moment = _as_datetime(value)
    if moment is not None:
        return (1, moment.timestamp())
    return (2, str(value).casefold())


def _group_key(value: Any) -> Any:
    try:
        return _group_value_key(value)
    except TypeError:  # an unhashable value (a list or an object): not cached
        return None if value is None else sort_key(value)


@functools.lru_cache(maxsize=1 << 16)
def _group_value_key(value: Any) -> Any:
    # Cached: a group's values (users, addresses, types) repeat on every row of the group.
    return None if value is None else sort_key(value)


def compare(value: Any, op: str, literal: Literal | tuple[Literal, ...] | Like) -> bool:
    if op in ("IN", "NOT IN"):
        assert isinstance(literal, tuple)
        hit = any(compare(value, "=", item) for item in literal)
        return hit if op == "IN" else not hit
    if isinstance(literal, Like):
        return isinstance(value, str) and literal.pattern.fullmatch(value) is not None
    assert not isinstance(literal, tuple)
    if literal is None or value is None:
        return _compare_null(value, op, literal)
    if isinstance(literal, DateRange):
        return _compare_date_range(value, op, literal)
    if isinstance(literal, bool) or isinstance(value, bool):
        same = value is literal if isinstance(value, bool) else False
        return {"=": same, "!=": not same}.get(op, False)
    return _compare_ordered(value, op, literal)


def _compare_null(value: Any, op: str, literal: Literal) -> bool:
    if op == "=":
        return value is None and literal is None
    if op == "!=":
        return (value is None) != (literal is None)
    return False


def _compare_date_range(value: Any, op: str, literal: DateRange) -> bool:
    moment = _as_datetime(value)
    if moment is None:
        return False
    inside = literal.start <= moment < literal.end
    return {
        "=": inside,
        "!=": not inside,
        "<": moment < literal.start,
        "<=": moment < literal.end,
        ">": moment >= literal.end,
        ">=": moment >= literal.start,
    }[op]


def _compare_ordered(value: Any, op: str, literal: int | float | str) -> bool:
    left: Any
    right: Any
    if isinstance(literal, int | float):
        if not isinstance(value, int | float):
            try:
                value = float(value)
            except (TypeError, ValueError):
                return False
        left, right = value, literal
    else:  # SOQL string comparison is case-insensitive
        left, right = str(value).casefold(), literal.casefold()
    outcome: bool = {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
    return outcome


def matches(record: Record, cond: Condition | None) -> bool:
    if cond is None:
        return True
    if isinstance(cond, Comparison):
        return compare(record.get(cond.field), cond.op, cond.value)
    if isinstance(cond, Not):
        return not matches(record, cond.part)
    results = (matches(record, part) for part in cond.parts)
    return all(results) if cond.op == "AND" else any(results)


# -- field resolution -------------------------------------------------------------------------


class _Resolver:
    def __init__(self, data: ObjectData) -> None:
        self.data = data
        self.by_fold = {f.casefold(): f for f in data.fields}

    def field(self, name: str) -> str:
        canonical = self.by_fold.get(name.casefold())
        if canonical is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{self.data.name}'. If you are attempting "
                "to use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        return canonical

    def expr(self, expr: Field | Aggregate) -> Field | Aggregate:
        if isinstance(expr, Field):
            return Field(self.field(expr.name))
        return Aggregate(expr.function, None if expr.field is None else self.field(expr.field))

    def condition(self, cond: Condition) -> Condition:
        if isinstance(cond, Comparison):
            return Comparison(self.field(cond.field), cond.op, cond.value)
        if isinstance(cond, Not):
            return Not(self.condition(cond.part))
        return BoolOp(cond.op, tuple(self.condition(p) for p in cond.parts))


# -- evaluation -------------------------------------------------------------------------------


Getter = Callable[[Any], Any]


def _ordered(items: list[Any], order: list[tuple[Getter, bool, bool]]) -> list[Any]:
    """Stable multi-key sort with Salesforce's NULLS FIRST/LAST placement."""
    for get, descending, nulls_first in reversed(order):
        nulls = [it for it in items if get(it) is None]
        present = [it for it in items if get(it) is not None]
        present.sort(key=lambda it, g=get: sort_key(g(it)), reverse=descending)  # type: ignore[misc]
        items = nulls + present if nulls_first else present + nulls
    return items


def _row_field(name: str) -> Getter:
    return lambda row: row[1].get(name)


def _group_value(expr: Field | Aggregate) -> Getter:
    if isinstance(expr, Field):
        return lambda members: members[0][1].get(expr.name) if members else None
    return lambda members: _aggregate_value(expr, members)


def _window(total: int, query: Query) -> tuple[int, int]:
    start = min(query.offset or 0, total)
    stop = total if query.limit is None else min(total, start + query.limit)
    return start, stop


def evaluate(query: Query, data: ObjectData) -> Outcome:
    res = _Resolver(data)
    where = None if query.where is None else res.condition(query.where)
    select = [res.expr(item.expr) for item in query.select]
    rows = _first_groups_rows(query, res, data, where)
    if rows is None:
        test = row_test(data, where, matches)
        rows = [
            (i, rec, w)
            for i in candidates(data, where)
            for rec, w in (data.rows[i],)
            if w > 0 and test(i)
        ]
    if query.is_aggregate:
        return _aggregate(query, res, select, rows)
    fields = tuple(dict.fromkeys(e.name for e in select if isinstance(e, Field)))
    order: list[tuple[Getter, bool, bool]] = []
    for o in query.order_by:
        if not isinstance(o.expr, Field):
            raise malformed("ORDER BY an aggregate needs GROUP BY or an aggregate query")
        order.append((_row_field(res.field(o.expr.name)), o.descending, o.nulls_first))
    ordered = _ordered(rows, order)
    total = sum(w for _, _, w in ordered)
    start, stop = _window(total, query)
    segments = list(_cut(ordered, start, stop))
    return Outcome(stop - start, tuple(segments), fields, None, data.id_prefix)


def _first_groups_rows(
    query: Query, res: _Resolver, data: ObjectData, where: Condition | None
) -> list[tuple[int, Record, int]] | None:
    """For ``GROUP BY ... ORDER BY <grouped text field> LIMIT n`` (keyset paging over groups):
    only the rows of the first ``OFFSET + LIMIT`` groups in that field's order, read along its
    index, instead of every row. None when the query is not of that shape."""
    if not (query.group_by and query.limit is not None and query.order_by):
        return None
    first = query.order_by[0]
    if not isinstance(first.expr, Field) or first.descending:
        return None
    name = res.field(first.expr.name)
    if name not in {res.field(g) for g in query.group_by}:
        return None
    group_by = tuple(res.field(g) for g in query.group_by)
    wanted = (query.offset or 0) + query.limit
    return rows_until(data, where, name, wanted, group_by, matches)


def _cut(rows: list[tuple[int, Record, int]], start: int, stop: int) -> Iterator[Segment]:
    position = 0
    for index, rec, weight in rows:
        lo, hi = max(start, position), min(stop, position + weight)
        if lo < hi:
            yield Segment(rec, index, lo - position, hi - lo)
        position += weight


def _aggregate_value(agg: Aggregate, members: list[tuple[int, Record, int]]) -> Any:
    if agg.function == "COUNT":
        # Every login a weighted row stands for has an Id, even when the row stores none.
        return sum(
            w
            for _, rec, w in members
            if agg.field in (None, "Id") or rec.get(agg.field or "") is not None
        )
    values = [(rec.get(agg.field or ""), w) for _, rec, w in members]
    present = [(v, w) for v, w in values if v is not None]
    if not present:
        return None
    if agg.function == "MAX":
        return max(present, key=lambda vw: sort_key(vw[0]))[0]
    if agg.function == "MIN":
        return min(present, key=lambda vw: sort_key(vw[0]))[0]
    try:
        total = sum(float(v) * w for v, w in present)
    except (TypeError, ValueError):
        raise malformed(f"{agg.function}() needs a numeric field, not {agg.field}") from None
    return total if agg.function == "SUM" else total / sum(w for _, w in present)


def _aggregate(
    query: Query,
    res: _Resolver,
    select: list[Field | Aggregate],
    rows: list[tuple[int, Record, int]],
) -> Outcome:
    group_by = [res.field(name) for name in query.group_by]
    if query.is_count_only and not group_by:
        total = sum(w for _, _, w in rows)
        start, stop = _window(total, query)
        return Outcome(stop - start, aggregate_rows=())
    _check_grouped_select(select, group_by)
    names = _column_names(query, select)

    def row_for(members: list[tuple[int, Record, int]]) -> Record:
        first = members[0][1] if members else {}
        return {
            name: first.get(e.name) if isinstance(e, Field) else _aggregate_value(e, members)
            for name, e in zip(names, select, strict=True)
        }

    member_lists = _ordered(_groups(rows, group_by), _group_order(query, res, group_by))
    start, stop = _window(len(member_lists), query)
    chosen = member_lists[start:stop]
    if query.is_count_only:
        return Outcome(len(chosen), aggregate_rows=())
    if len(chosen) > MAX_GROUPS:
        raise malformed(
            f"Too many query rows: more than {MAX_GROUPS} groups; narrow the filter "
            "(aggregate queries cannot be paged)"
        )
    agg_rows = tuple(row_for(m) for m in chosen)
    return Outcome(len(agg_rows), aggregate_rows=agg_rows)


def _check_grouped_select(select: list[Field | Aggregate], group_by: list[str]) -> None:
    if any(e == Aggregate("COUNT", None) for e in select) and len(select) > 1:
        raise malformed("COUNT() must be the only element in the SELECT list")
    for expr in select:
        if isinstance(expr, Field) and expr.name not in group_by:
            raise malformed(f"Field must be grouped or aggregated: {expr.name}")


def _groups(
    rows: list[tuple[int, Record, int]], group_by: list[str]
) -> list[list[tuple[int, Record, int]]]:
    if not group_by:
        return [rows]
    groups: dict[tuple[Any, ...], list[tuple[int, Record, int]]] = {}
    for row in rows:
        key = tuple(_group_key(row[1].get(f)) for f in group_by)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _column_names(query: Query, select: list[Field | Aggregate]) -> list[str]:
    """Aliases, field names, and expr0, expr1, ... for unaliased aggregates (as Salesforce)."""
    names: list[str] = []
    unaliased = 0
    for item, expr in zip(query.select, select, strict=True):
        if isinstance(expr, Field):
            names.append(item.alias or expr.name)
        else:
            names.append(item.alias or f"expr{unaliased}")
            unaliased += 0 if item.alias else 1
    return names


def _group_order(
    query: Query, res: _Resolver, group_by: list[str]
) -> list[tuple[Getter, bool, bool]]:
    order: list[tuple[Getter, bool, bool]] = []
    for o in query.order_by:
        expr = res.expr(o.expr)
        if isinstance(expr, Field) and expr.name not in group_by:
            raise malformed(f"ORDER BY field must be grouped: {expr.name}")
        order.append((_group_value(expr), o.descending, o.nulls_first))
    return order
