"""Parser for the SOQL subset the org simulator answers (see orgsim/README.md).

Hand-written (tokenizer + recursive descent) so that every refusal names what was not
understood, the way Salesforce's MALFORMED_QUERY messages do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeVar

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
    OrderItem,
    Query,
    SelectItem,
)

AGGREGATES = ("COUNT", "MAX", "MIN", "SUM", "AVG")
KEYWORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "GROUP",
        "BY",
        "ORDER",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "HAVING",
        "WITH",
        "FOR",
        "INCLUDES",
        "EXCLUDES",
        "TYPEOF",
        "USING",
        "SCOPE",
    ]
)

T = TypeVar("T")


class SoqlError(Exception):
    """A query the simulator refuses; ``code`` is the Salesforce errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def malformed(reason: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", reason)


# -- tokenizer --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:\\.|[^'\\])*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<nliteral>[A-Za-z_]+:\d+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<bind>:\w+)
    """,
    re.VERBOSE,
)
_LIKE_LITERAL = {"%": "\ue000", "_": "\ue001"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(soql):
        m = _TOKEN.match(soql, pos)
        if m is None:
            raise malformed(f"unexpected character {soql[pos]!r} at position {pos}")
        kind = m.lastgroup or ""
        if kind == "bind":
            raise malformed(f"bind variables ({m.group()}) are not SOQL over the API")
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    return tokens


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in "%_":
                # Only meaningful inside LIKE: a private-use stand-in keeps "literal %" apart.
                out.append(_LIKE_LITERAL[nxt])
            else:
                raise malformed(f"invalid escape sequence '\\{nxt}' in a string literal")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _plain(value: str) -> str:
    return value.replace(_LIKE_LITERAL["%"], "%").replace(_LIKE_LITERAL["_"], "_")


def like_pattern(value: str) -> re.Pattern[str]:
    """LIKE: % any run, _ one character, escaped \\% and \\_ literal; case-insensitive."""
    wildcards = {"%": ".*", "_": "."}
    out = [wildcards.get(ch, re.escape(_plain(ch))) for ch in value]
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


# -- date literals ----------------------------------------------------------------------------


def parse_datetime(text: str) -> datetime:
    """ISO date-times as Salesforce writes them (Z, +0000, +00:00, optional fraction)."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    m = re.match(r"^(.*[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-])(\d{2}):?(\d{2})$", t)
    if m:
        t = f"{m.group(1)}{m.group(2)}{m.group(3)}:{m.group(4)}"
    value = datetime.fromisoformat(t)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _day_start(d: date, zone: tzinfo | None = UTC) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=zone or UTC)


def relative_date(token: Token, now: datetime) -> DateRange:
    """TODAY, YESTERDAY, LAST_N_DAYS:n relative to ``now``: the snapshot's captured_at in the
    caller's time zone (days start at the caller's midnight, as in the org)."""
    today = _day_start(now.date(), now.tzinfo).astimezone(UTC)
    one_day = timedelta(days=1)
    name, _, n_text = token.upper.partition(":")
    if token.kind == "ident" and name == "TODAY":
        return DateRange(today, today + one_day, token.text)
    if token.kind == "ident" and name == "YESTERDAY":
        return DateRange(today - one_day, today, token.text)
    if token.kind == "nliteral" and name == "LAST_N_DAYS":
        # Salesforce: from 00:00 n days ago through the end of the current day.
        return DateRange(today - int(n_text) * one_day, today + one_day, token.text)
    raise malformed(f"date literal {token.text} is not supported by the org simulator")


# -- parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, soql: str, now: datetime) -> None:
        self.tokens = tokenize(soql)
        self.i = 0
        self.now = now

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def at(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in ("ident", "punct", "op") and tok.upper in words

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise malformed(f"unexpected end of query, expecting {what}")
        self.i += 1
        return tok

    def expect(self, word: str) -> Token:
        tok = self.next(word)
        if tok.upper != word:
            raise malformed(
                f"unexpected token: '{tok.text}' at position {tok.pos}, expecting {word}"
            )
        return tok

    def field_name(self) -> str:
        tok = self.next("a field name")
        if tok.kind != "ident" or tok.upper in KEYWORDS:
            raise malformed(f"unexpected token: '{tok.text}' at position {tok.pos}")
        if "." in tok.text:
            raise malformed(
                f"relationship field '{tok.text}' is not supported by the org simulator; "
                "query the Id lookup field instead"
            )
        return tok.text

    def expr(self) -> Field | Aggregate:
        tok = self.peek()
        if tok is not None and tok.upper == "TYPEOF":
            raise malformed("TYPEOF is not supported by the org simulator")
        if tok is not None and tok.text == "(":
            raise malformed("subqueries are not supported by the org simulator")
        nxt = self.peek(1)
        if tok is not None and nxt is not None and nxt.text == "(":
            if tok.upper not in AGGREGATES:
                raise malformed(f"function {tok.text}() is not supported by the org simulator")
            self.i += 2
            field = None if self.at(")") else self.field_name()
            self.expect(")")
            if field is None and tok.upper != "COUNT":
                raise malformed(f"{tok.upper}() needs a field")
            return Aggregate(tok.upper, field)
        return Field(self.field_name())

    def alias(self, clause_words: tuple[str, ...]) -> str | None:
        tok = self.peek()
        if tok is None or tok.kind != "ident" or tok.upper in clause_words:
            return None
        if tok.upper in KEYWORDS:
            raise malformed(
                f"unexpected token: '{tok.text}' at position {tok.pos}: "
                f"{tok.upper} is a reserved word in SOQL and cannot be an alias"
            )
        self.i += 1
        return tok.text

    def literal(self) -> Literal:
        tok = self.next("a value")
        if tok.kind == "string":
            return _plain(_unescape(tok.text[1:-1]))
        if tok.kind == "number":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "datetime":
            moment = parse_datetime(tok.text)
            return DateRange(moment, moment + timedelta(microseconds=1), tok.text)
        if tok.kind == "date":
            day = _day_start(date.fromisoformat(tok.text))
            return DateRange(day, day + timedelta(days=1), tok.text)
        if tok.kind == "ident" and tok.upper in ("TRUE", "FALSE"):
            return tok.upper == "TRUE"
        if tok.kind == "ident" and tok.upper == "NULL":
            return None
        if tok.kind in ("ident", "nliteral"):
            return relative_date(tok, self.now)
        raise malformed(f"unexpected token: '{tok.text}' at position {tok.pos}, expecting a value")

    def condition(self) -> Condition:
        parts = [self.conjunction()]
        while self.at("OR"):
            self.i += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else BoolOp("OR", tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.negation()]
        while self.at("AND"):
            self.i += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else BoolOp("AND", tuple(parts))

    def negation(self) -> Condition:
        if self.at("NOT"):
            self.i += 1
            return Not(self.negation())
        if self.at("("):
            self.i += 1
            inner = self.condition()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Condition:
        field = self.field_name()
        tok = self.next("an operator")
        op = tok.upper
        if op == "NOT" and self.at("IN"):
            self.i += 1
            op = "NOT IN"
        if op in ("IN", "NOT IN"):
            if self.at("SELECT") or (self.at("(") and (self.peek(1) or tok).upper == "SELECT"):
                raise malformed(
                    "semi-joins (IN (SELECT ...)) are not supported by the org simulator"
                )
            self.expect("(")
            values = [self.literal()]
            while self.at(","):
                self.i += 1
                values.append(self.literal())
            self.expect(")")
            return Comparison(field, op, tuple(values))
        if op == "LIKE":
            lit = self.next("a string")
            if lit.kind != "string":
                raise malformed(f"LIKE needs a quoted string, got '{lit.text}'")
            return Comparison(
                field, "LIKE", Like(like_pattern(_unescape(lit.text[1:-1])), lit.text)
            )
        if tok.kind != "op":
            raise malformed(
                f"unexpected token: '{tok.text}' at position {tok.pos}, expecting an operator"
            )
        return Comparison(field, "!=" if op == "<>" else op, self.literal())

    def integer(self, clause: str) -> int:
        tok = self.next(f"a number after {clause}")
        if tok.kind != "number" or "." in tok.text or tok.text.startswith("-"):
            raise malformed(f"{clause} needs a non-negative whole number, got '{tok.text}'")
        return int(tok.text)

    def order_item(self) -> OrderItem:
        expr = self.expr()
        descending = False
        if self.at("ASC", "DESC"):
            descending = self.next("ASC").upper == "DESC"
        nulls_first = not descending  # Salesforce default: NULLS FIRST for ASC, LAST for DESC
        if self.at("NULLS"):
            self.i += 1
            word = self.next("FIRST or LAST").upper
            if word not in ("FIRST", "LAST"):
                raise malformed(f"NULLS needs FIRST or LAST, got '{word}'")
            nulls_first = word == "FIRST"
        return OrderItem(expr, descending, nulls_first)

    def listed(self, item: Callable[[], T]) -> list[T]:
        """``item`` once, then again after each comma."""
        items = [item()]
        while self.at(","):
            self.i += 1
            items.append(item())
        return items

    def clause(self, *words: str) -> bool:
        """Consume ``words`` (e.g. GROUP BY) when the query goes on with the first of them."""
        if not self.at(words[0]):
            return False
        self.i += 1
        for word in words[1:]:
            self.expect(word)
        return True

    def refuse(self, word: str, message: str) -> None:
        if self.at(word):
            raise malformed(message)

    def query(self) -> Query:
        self.expect("SELECT")
        select = self.listed(lambda: SelectItem(self.expr(), self.alias(("FROM",))))
        self.expect("FROM")
        sobject = self.field_name()
        # An object alias (FROM User u) is allowed and ignored.
        self.alias(("WHERE", "WITH", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FOR", "USING"))
        self.refuse("USING", "USING SCOPE is not supported by the org simulator")
        where = self.condition() if self.clause("WHERE") else None
        self.refuse("WITH", "WITH clauses are not supported by the org simulator")
        group_by = self.listed(self.field_name) if self.clause("GROUP", "BY") else []
        self.refuse("HAVING", "HAVING is not supported by the org simulator")
        order_by = self.listed(self.order_item) if self.clause("ORDER", "BY") else []
        limit = self.integer("LIMIT") if self.clause("LIMIT") else None
        offset = self.integer("OFFSET") if self.clause("OFFSET") else None
        tok = self.peek()
        if tok is not None:
            raise malformed(f"unexpected token: '{tok.text}' at position {tok.pos}")
        return Query(tuple(select), sobject, where, tuple(group_by), tuple(order_by), limit, offset)


def parse(soql: str, now: datetime) -> Query:
    """Parse ``soql``; relative date literals are resolved against ``now``."""
    if not soql.strip():
        raise malformed("empty query")
    return _Parser(soql, now).query()
