"""LoginHistory: window, aggregation, UserId ranges past 2,000 groups, raw fallback."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.login_history import collect_login_history
from sfscan.collect.plan import login_history_aggregate_query, login_history_raw_query

from orgsim.soql import SoqlError, parse
from orgsim.soql_eval import ObjectData, evaluate

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


class SimulatedLogins:
    """LoginHistory answered by the org simulator's own SOQL parser and evaluator (real ORDER BY,
    LIMIT, UserId ranges, COUNT(), the 2,000-group refusal); counts calls per thread."""

    def __init__(self, rows: list[dict[str, Any]], refuse: str | None = None) -> None:
        self.data = ObjectData("LoginHistory", FIELDS, tuple((r, 1) for r in rows), "0Ya")
        self.refuse = refuse  # a text whose presence in a query makes the org refuse it
        self.queries: list[str] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def _outcome(self, soql: str) -> Any:
        with self.lock:
            self.queries.append(soql)
            self.threads.add(threading.current_thread().name)
        if self.refuse and self.refuse in soql:
            raise SourceUnavailable("INVALID_FIELD", "field UserId can not be compared that way")
        try:
            return evaluate(parse(soql, END), self.data)
        except SoqlError as exc:
            raise SourceUnavailable(exc.code, exc.message) from None

    def query(self, soql: str) -> list[dict[str, Any]]:
        outcome = self._outcome(soql)
        pages = max(1, -(-outcome.total_size // 2000)) if outcome.pageable else 1
        with self.lock:
            self.queries.extend([soql] * (pages - 1))  # the raw pages after the first
        return [rec for _, rec in outcome.page(0, outcome.total_size)]

    def count(self, soql: str) -> int:
        return int(self._outcome(soql).total_size)

    def user_ids(self) -> list[str]:
        return sorted({str(rec["UserId"]) for rec, _ in self.data.rows})


FIELDS = ("Id", "UserId", "LoginTime", "LoginType", "Status", "SourceIp", "Application")


def logins(users: int, ips_per_user: int, logins_per_ip: int) -> list[dict[str, Any]]:
    rows = []
    for u in range(users):
        for ip in range(ips_per_user):
            for k in range(logins_per_ip):
                moment = START + timedelta(days=1 + (u + ip + k) % 28, seconds=u)
                rows.append(
                    {
                        "Id": f"0Ya{len(rows):012d}AAA",
                        "UserId": f"005{u:012d}AAA",
                        "LoginTime": moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                        "LoginType": "Remote Access 2.0",
                        "Status": "Success",
                        "SourceIp": f"10.{ip // 250}.{ip % 250}.1",
                        "Application": "ETL",
                    }
                )
    return rows


def expected(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, str]]:
    out: dict[tuple[str, str], tuple[int, str]] = {}
    for r in rows:
        n, last = out.get((r["UserId"], r["SourceIp"]), (0, ""))
        out[(r["UserId"], r["SourceIp"])] = (n + 1, max(last, r["LoginTime"]))
    return out


def got(result: Any) -> dict[tuple[str, str], tuple[int, str]]:
    if result.mode == "raw":
        return expected(result.rows)
    keys = [(r["UserId"], r["SourceIp"]) for r in result.rows]
    assert len(keys) == len(set(keys)), "a group was read twice"
    return {(r["UserId"], r["SourceIp"]): (r["count"], r["LoginTime"]) for r in result.rows}


def collect(org: SimulatedLogins, with_users: bool = True) -> Any:
    return collect_login_history(
        org.query,
        START,
        END,
        count=org.count,
        user_ids=org.user_ids if with_users else lambda: None,
    )


def test_more_than_2000_groups_are_read_by_user_ranges_each_group_once() -> None:
    # 3,000 users x 4 addresses = 12,000 groups of 3 logins (36,000 rows): 6 answers' worth.
    rows = logins(3000, 4, 3)
    org = SimulatedLogins(rows)
    result = collect(org)
    assert result.mode == "aggregate"
    assert got(result) == expected(rows)
    # 12,000 groups need 6 full answers; plus the COUNT() and at most one cut-short answer.
    assert len(org.queries) <= 6 + 2
    assert all("ORDER BY UserId LIMIT 2000" in q for q in org.queries if "GROUP BY" in q)


def test_user_ranges_run_concurrently_when_there_are_many() -> None:
    rows = logins(20_000, 4, 2)  # 80,000 groups (40 answers) of 2 logins: raw would cost 80
    org = SimulatedLogins(rows)
    result = collect(org)
    assert got(result) == expected(rows)
    assert len({q for q in org.queries if "UserId <" in q}) >= 1  # bounded ranges
    assert len(org.threads) >= 2
    assert len(org.queries) <= 40 + 1 + 2  # COUNT() and one short answer per range


def test_without_the_user_list_the_ranges_are_read_one_after_another() -> None:
    rows = logins(3000, 4, 3)
    org = SimulatedLogins(rows)
    result = collect(org, with_users=False)
    assert got(result) == expected(rows)
    assert len(org.queries) <= 6 + 2


def test_raw_rows_when_they_are_cheaper_than_groups() -> None:
    # Every login its own group: 5,000 groups = 5,000 rows; raw paging costs 3 calls.
    rows = logins(5000, 1, 1)
    org = SimulatedLogins(rows)
    result = collect(org)
    assert got(result) == expected(rows)
    aggregate_calls = sum("GROUP BY" in q for q in org.queries)
    assert aggregate_calls <= 3  # never more than COUNT() says raw paging costs
    assert len(org.queries) <= 3 + 2


def test_one_user_with_more_than_2000_groups_is_read_as_raw_rows() -> None:
    rows = logins(1, 2500, 1) + logins(10, 1, 1)
    org = SimulatedLogins(rows)
    result = collect(org)
    assert got(result) == expected(rows)


def test_an_org_refusing_userid_ranges_gets_raw_rows_and_nothing_is_lost() -> None:
    rows = logins(3000, 4, 1)
    org = SimulatedLogins(rows, refuse="UserId >=")
    result = collect(org)
    assert result.mode == "raw"
    assert got(result) == expected(rows)


def test_an_id_order_unlike_ours_is_caught_by_the_count_and_read_raw() -> None:
    # The simulator compares text case-insensitively; our ranges sort Ids case-sensitively,
    # so ranges cut between 'Z' and 'a' overlap. The COUNT() check must catch it.
    rows = logins(12_000, 1, 1)
    for i, r in enumerate(rows):
        r["UserId"] = f"005{'aB'[i % 2]}{i:011d}AAA"
        r["SourceIp"] = f"10.{i % 7}.0.1" if i % 3 else r["SourceIp"]
    rows += [{**r, "Id": r["Id"] + "x", "SourceIp": "10.9.9.9"} for r in rows[:6000]]
    org = SimulatedLogins(rows)
    result = collect(org)
    assert got(result) == expected(rows)


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
