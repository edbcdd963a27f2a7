"""The parsed form of a SOQL query (orgsim.soql parses, orgsim.soql_eval evaluates)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# -- AST --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """A date/time literal as the half-open interval [start, end) it stands for."""

    start: datetime
    end: datetime
    text: str


@dataclass(frozen=True)
class Like:
    pattern: re.Pattern[str]
    text: str


Literal = str | int | float | bool | None | DateRange


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Aggregate:
    function: str  # COUNT, MAX, MIN, SUM, AVG
    field: str | None  # None for COUNT()


@dataclass(frozen=True)
class SelectItem:
    expr: Field | Aggregate
    alias: str | None


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # = != < <= > >= IN NOT IN LIKE
    value: Literal | tuple[Literal, ...] | Like


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderItem:
    expr: Field | Aggregate
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    where: Condition | None
    group_by: tuple[str, ...]
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None

    @property
    def is_count_only(self) -> bool:
        """``SELECT COUNT() FROM X``: the answer is totalSize with no records."""
        return len(self.select) == 1 and self.select[0].expr == Aggregate("COUNT", None)

    @property
    def is_aggregate(self) -> bool:
        return bool(self.group_by) or any(isinstance(s.expr, Aggregate) for s in self.select)
