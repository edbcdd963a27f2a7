"""SOQL subset semantics, evaluated without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from simple_salesforce import format_soql

from orgsim.soql import SoqlError, parse
from orgsim.soql_eval import MAX_GROUPS, ObjectData, evaluate

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
USERS = (
    {"Id": "005A", "Username": "etl@acme.example", "IsActive": True, "Age": 30,
     "Seen": "2026-11-27T09:15:00.000+0000"},
    {"Id": "005B", "Username": "O'Brien@acme.example", "IsActive": False, "Age": 45,
     "Seen": "2026-10-01T00:00:00Z"},
    {"Id": "005C", "Username": "100%_sure@acme.example", "IsActive": True, "Age": None,
     "Seen": None},
    {"Id": "005D", "Username": "zed@acme.example", "IsActive": True, "Age": 45,
     "Seen": "2026-11-28T00:30:00+00:00"},
)  # fmt: skip
FIELDS = ("Id", "Username", "IsActive", "Age", "Seen")


def run(
    soql: str, rows: tuple[dict[str, Any], ...] = USERS, weights: tuple[int, ...] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    weighted = tuple(zip(rows, weights or (1,) * len(rows), strict=True))
    fields = tuple(dict.fromkeys(["Id", *FIELDS, *(k for r in rows for k in r)]))
    outcome = evaluate(parse(soql, NOW), ObjectData("User", fields, weighted, "005"))
    return outcome.total_size, [rec for _, rec in outcome.page(0, 10_000)]


def ids(soql: str) -> list[str]:
    return [r["Id"] for r in run(soql)[1]]


def test_select_projects_fields_in_canonical_case() -> None:
    total, recs = run("select id, USERNAME from user where id = '005A'")
    assert total == 1
    assert recs == [{"Id": "005A", "Username": "etl@acme.example"}]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("IsActive = true", ["005A", "005C", "005D"]),
        ("IsActive != true", ["005B"]),
        ("Age > 30", ["005B", "005D"]),
        ("Age >= 30 AND Age <= 30", ["005A"]),
        ("Age < 45", ["005A"]),
        ("Age = null", ["005C"]),
        ("Age != null", ["005A", "005B", "005D"]),
        ("Age != 45", ["005A", "005C"]),  # SOQL's != keeps nulls
        ("Id IN ('005A', '005d')", ["005A", "005D"]),  # string comparison ignores case
        ("Id NOT IN ('005A', '005D')", ["005B", "005C"]),
        ("Username LIKE 'E%'", ["005A"]),
        ("Username LIKE '_ed@%'", ["005D"]),
        ("NOT (IsActive = true OR Age = 45)", []),
        ("(IsActive = false OR Age = 45) AND NOT Username LIKE 'z%'", ["005B"]),
        ("Seen > 2026-11-01T00:00:00Z", ["005A", "005D"]),
        ("Seen < 2026-11-27T09:15:00.000+0000", ["005B"]),
        ("Seen <= 2026-11-27T09:15:00+00:00", ["005A", "005B"]),
        ("Seen = TODAY", ["005D"]),
        ("Seen = LAST_N_DAYS:30", ["005A", "005D"]),
        ("Seen < LAST_N_DAYS:30", ["005B"]),
        ("Seen = 2026-11-27", ["005A"]),
    ],
)
def test_where_operators(where: str, expected: list[str]) -> None:
    assert ids(f"SELECT Id FROM User WHERE {where}") == expected


def test_quoted_values_from_format_soql_round_trip() -> None:
    soql = format_soql("SELECT Id FROM User WHERE Username = {}", "O'Brien@acme.example")
    assert ids(soql) == ["005B"]
    like = format_soql("SELECT Id FROM User WHERE Username LIKE '{:like}%'", "100%_")
    assert ids(like) == ["005C"]  # \% and \_ are literal, not wildcards
    dated = format_soql("SELECT Id FROM User WHERE Seen > {}", NOW.replace(day=1))
    assert ids(dated) == ["005A", "005D"]


def test_order_by_nulls_limit_offset() -> None:
    assert ids("SELECT Id FROM User ORDER BY Age") == ["005C", "005A", "005B", "005D"]
    assert ids("SELECT Id FROM User ORDER BY Age DESC, Username") == [
        "005B",
        "005D",
        "005A",
        "005C",
    ]
    assert ids("SELECT Id FROM User ORDER BY Age ASC NULLS LAST LIMIT 2") == ["005A", "005B"]
    assert ids("SELECT Id FROM User ORDER BY Seen DESC NULLS FIRST LIMIT 2 OFFSET 1") == [
        "005D",
        "005A",
    ]


def test_count_and_grouped_aggregates() -> None:
    assert run("SELECT COUNT() FROM User WHERE IsActive = true") == (3, [])
    total, rows = run(
        "SELECT IsActive, COUNT(Id), MAX(Age) oldest, MIN(Seen) FROM User "
        "GROUP BY IsActive ORDER BY COUNT(Id) DESC"
    )
    assert total == 2
    assert rows == [
        {"IsActive": True, "expr0": 3, "oldest": 45, "expr1": "2026-11-27T09:15:00.000+0000"},
        {"IsActive": False, "expr0": 1, "oldest": 45, "expr1": "2026-10-01T00:00:00Z"},
    ]
    assert run("SELECT COUNT(Age) FROM User") == (1, [{"expr0": 3}])


def test_weighted_rows_expand_and_add_up() -> None:
    logins = ({"UserId": "005A", "SourceIp": "1.2.3.4"}, {"UserId": "005B", "SourceIp": "5.6.7.8"})
    total, recs = run("SELECT Id, UserId FROM User", logins, weights=(3, 2))
    assert total == 5
    assert len({r["Id"] for r in recs}) == 5  # each login has its own Id
    assert run("SELECT COUNT() FROM User WHERE UserId = '005A'", logins, (3, 2))[0] == 3
    grouped = run(
        "SELECT UserId, COUNT(Id) n FROM User GROUP BY UserId ORDER BY UserId", logins, (3, 2)
    )[1]
    assert grouped == [{"UserId": "005A", "n": 3}, {"UserId": "005B", "n": 2}]
    assert run("SELECT Id FROM User LIMIT 2 OFFSET 2", logins, (3, 2))[0] == 2
    assert run("SELECT Id FROM User LIMIT 9 OFFSET 4", logins, (3, 2))[0] == 1


def test_too_many_groups_is_refused_not_cut() -> None:
    rows = tuple({"Id": f"x{i}", "Username": f"u{i}"} for i in range(MAX_GROUPS + 1))
    with pytest.raises(SoqlError) as err:
        run("SELECT Username, COUNT(Id) FROM User GROUP BY Username", rows)
    assert err.value.code == "MALFORMED_QUERY"
    assert "more than 2000 groups" in err.value.message


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Nope FROM User", "INVALID_FIELD", "No such column 'Nope' on entity 'User'"),
        ("SELECT Id FROM User WHERE Nope = 1", "INVALID_FIELD", "Nope"),
        ("SELECT Profile.Name FROM User", "MALFORMED_QUERY", "relationship field"),
        ("SELECT Id, (SELECT Id FROM X) FROM User", "MALFORMED_QUERY", "subqueries"),
        ("SELECT Id FROM User WHERE Id IN (SELECT Id FROM User)", "MALFORMED_QUERY", "semi-joins"),
        ("SELECT Username, COUNT(Id) FROM User", "MALFORMED_QUERY", "grouped or aggregated"),
        ("SELECT MAX(Age) last FROM User", "MALFORMED_QUERY", "reserved word"),
        ("SELECT Id FROM User WHERE Seen = NEXT_N_DAYS:3", "MALFORMED_QUERY", "NEXT_N_DAYS:3"),
        ("SELECT Id FROM User HAVING COUNT(Id) > 1", "MALFORMED_QUERY", "HAVING"),
        ("SELECT Id FROM User LIMIT x", "MALFORMED_QUERY", "LIMIT"),
        ("SELECT Id User", "MALFORMED_QUERY", "expecting FROM"),
        ("SELECT Id FROM User WHERE Username = :name", "MALFORMED_QUERY", "bind variables"),
        ("SELECT Id FROM User WHERE Username = 'a\\qb'", "MALFORMED_QUERY", "escape"),
        ("SELECT Id FROM User extra tokens", "MALFORMED_QUERY", "unexpected token"),
    ],
)
def test_refusals_name_the_problem(soql: str, code: str, fragment: str) -> None:
    with pytest.raises(SoqlError) as err:
        run(soql)
    assert err.value.code == code
    assert fragment in err.value.message
