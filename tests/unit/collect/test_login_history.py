"""LoginHistory: window, aggregation, slicing past 2,000 groups, raw fallback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.login_history import collect_login_history
from sfscan.collect.plan import login_history_aggregate_query, login_history_raw_query

END = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = END - timedelta(days=30)
LITERAL = re.compile(r"LoginTime > (\S+) AND LoginTime <= (\S+)")


def window(soql: str) -> tuple[datetime, datetime]:
    m = LITERAL.search(soql)
    assert m, soql
    return datetime.fromisoformat(m.group(1)), datetime.fromisoformat(m.group(2))


class FakeLogins:
    """Logins as (time, user, ip); answers aggregate and raw queries like the org would."""

    def __init__(self, logins: list[tuple[datetime, str, str]], aggregate_ok: bool = True) -> None:
        self.logins = logins
        self.aggregate_ok = aggregate_ok
        self.queries: list[str] = []

    def query(self, soql: str) -> list[dict[str, Any]]:
        self.queries.append(soql)
        lo, hi = window(soql)
        rows = [(t, u, ip) for t, u, ip in self.logins if lo < t <= hi]
        if "GROUP BY" not in soql:
            return [
                {
                    "Id": f"0Ya{i}",
                    "UserId": u,
                    "LoginTime": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                    "LoginType": "Remote Access 2.0",
                    "Status": "Success",
                    "SourceIp": ip,
                    "Application": "ETL",
                }
                for i, (t, u, ip) in enumerate(rows)
            ]
        if not self.aggregate_ok:
            raise SourceUnavailable("MALFORMED_QUERY", "field Application can not be grouped")
        groups: dict[tuple[str, str], list[datetime]] = {}
        for t, u, ip in rows:
            groups.setdefault((u, ip), []).append(t)
        if len(groups) > 2000:
            raise SourceUnavailable("MALFORMED_QUERY", "Too many query rows: more than 2000 groups")
        return [
            {
                "UserId": u,
                "LoginType": "Remote Access 2.0",
                "Status": "Success",
                "SourceIp": ip,
                "Application": "ETL",
                "n": len(ts),
                "lastLogin": max(ts).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            }
            for (u, ip), ts in groups.items()
        ]


def test_queries_select_only_the_window_with_datetime_literals() -> None:
    soql = login_history_aggregate_query(START, END)
    assert (
        "LoginTime > 2026-10-29T12:00:00+00:00 AND LoginTime <= 2026-11-28T12:00:00+00:00" in soql
    )
    assert "GROUP BY UserId, LoginType, Status, SourceIp, Application" in soql
    assert login_history_raw_query(START, END).startswith(
        "SELECT Id, UserId, LoginTime, LoginType, Status, SourceIp, Application FROM LoginHistory"
    )


def test_a_small_window_is_one_aggregate_call() -> None:
    t = END - timedelta(days=1)
    org = FakeLogins(
        [
            (t, "005A", "1.1.1.1"),
            (t + timedelta(hours=1), "005A", "1.1.1.1"),
            (START - timedelta(days=1), "005A", "9.9.9.9"),
        ]
    )
    result = collect_login_history(org.query, START, END)
    assert result.mode == "aggregate" and len(org.queries) == 1
    assert result.rows == [
        {
            "UserId": "005A",
            "LoginType": "Remote Access 2.0",
            "Status": "Success",
            "SourceIp": "1.1.1.1",
            "Application": "ETL",
            "count": 2,
            "LoginTime": (t + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        }
    ]


def test_more_than_2000_groups_are_sliced_by_day_and_merged() -> None:
    # 2,100 (user, ip) groups, each logging in on three different days (700 groups a day).
    logins = []
    for g in range(2100):
        for day in (2 + g % 3, 10 + g % 3, 20 + g % 3):
            moment = START + timedelta(days=day, minutes=g % 600)
            logins.append((moment, f"005{g % 50}", f"10.0.{g // 50}.{g % 50}"))
    org = FakeLogins(logins)
    result = collect_login_history(org.query, START, END)
    assert result.mode == "aggregate"
    assert len(result.rows) == 2100
    assert {r["count"] for r in result.rows} == {3}
    assert len(org.queries) == 1 + 30  # the whole window overflowed, then one query per day
    first = next(r for r in result.rows if r["SourceIp"] == "10.0.0.0")
    assert first["LoginTime"].startswith((START + timedelta(days=20)).strftime("%Y-%m-%d"))


def test_a_day_that_still_overflows_is_halved() -> None:
    busy_day = START + timedelta(days=5)
    logins = [
        (busy_day + timedelta(seconds=20 * g), "005A", f"10.{g // 250}.{g % 250}.1")
        for g in range(2500)
    ]
    org = FakeLogins(logins)
    result = collect_login_history(org.query, START, END)
    assert result.mode == "aggregate" and len(result.rows) == 2500
    assert sum(r["count"] for r in result.rows) == 2500


def test_a_refused_aggregate_falls_back_to_raw_rows() -> None:
    t = END - timedelta(hours=3)
    org = FakeLogins([(t, "005A", "1.1.1.1"), (t, "005B", "2.2.2.2")], aggregate_ok=False)
    result = collect_login_history(org.query, START, END)
    assert result.mode == "raw"
    assert sorted(r["UserId"] for r in result.rows) == ["005A", "005B"]
    assert "GROUP BY" not in org.queries[-1]


def test_no_access_is_not_hidden_by_the_fallback() -> None:
    def refuse(soql: str) -> list[dict[str, Any]]:
        raise SourceUnavailable("INSUFFICIENT_ACCESS", "needs Manage Users")

    try:
        collect_login_history(refuse, START, END)
    except SourceUnavailable as exc:
        assert exc.code == "INSUFFICIENT_ACCESS"
    else:
        raise AssertionError("expected SourceUnavailable")


def test_the_orgs_aggregate_overflow_answer_is_sliced_whatever_its_code() -> None:
    from sfscan.collect.login_history import _too_many_groups

    message = (
        "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
        "to a single batch"
    )
    assert _too_many_groups(SourceUnavailable("EXCEEDED_ID_LIMIT", message))
    assert _too_many_groups(SourceUnavailable("MALFORMED_QUERY", message))
    assert not _too_many_groups(
        SourceUnavailable("MALFORMED_QUERY", "field 'LoginTime' can not be grouped in a query call")
    )
    assert not _too_many_groups(SourceUnavailable("INVALID_FIELD", message))
