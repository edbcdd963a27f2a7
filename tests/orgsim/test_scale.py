"""The simulator at scale: indexed filters answer exactly what a row-by-row reading answers,
keyset-limited GROUP BY gives the first groups, paging returns every record once, and the
synthetic-org generator builds the org it is asked for."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import format_soql

from orgsim.generate import INTEGRATION_PROFILE, generate, main
from orgsim.soql import parse
from orgsim.soql_eval import ObjectData, evaluate, matches

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
FIELDS = ("Id", "UserId", "LoginTime", "SourceIp", "Status")


def rows(n: int, seed: int = 3) -> tuple[dict[str, Any], ...]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        when = NOW - timedelta(minutes=rng.randrange(60 * 24 * 40))
        out.append(
            {
                "Id": f"0Ya{i:012d}AAA",
                "UserId": f"005{rng.randrange(300):012d}AAA" if i % 97 else None,
                "LoginTime": when.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "SourceIp": f"10.0.0.{rng.randrange(8)}",
                "Status": rng.choice(["Success", "Invalid Password"]),
            }
        )
    return tuple(out)


def data(records: tuple[dict[str, Any], ...]) -> ObjectData:
    return ObjectData("LoginHistory", FIELDS, tuple((r, 1) for r in records), "0Ya")


def answer(soql: str, object_data: ObjectData) -> list[dict[str, Any]]:
    outcome = evaluate(parse(soql, NOW), object_data)
    return [rec for _, rec in outcome.page(0, outcome.total_size)]


WHERES = [
    "LoginTime > 2026-11-01T00:00:00Z AND LoginTime <= 2026-11-20T00:00:00Z",
    format_soql("UserId >= {} AND UserId < {}", "005000000000100AAA", "005000000000150AAA"),
    format_soql("UserId > {} AND LoginTime >= 2026-11-10T00:00:00Z", "005000000000290AAA"),
    format_soql("UserId = {}", "005000000000007AAA"),
    format_soql("UserId <= {} OR Status = 'Success'", "005000000000003AAA"),
    "LoginTime < LAST_N_DAYS:30",
    format_soql("UserId < {} AND UserId > {}", "005000000000010AAA", "005000000000200AAA"),
]


@pytest.mark.parametrize("where", WHERES)
def test_indexed_filters_select_exactly_the_rows_that_match(where: str) -> None:
    records = rows(3000)
    query = parse(f"SELECT Id FROM LoginHistory WHERE {where}", NOW)
    assert query.where is not None
    expected = [r["Id"] for r in records if matches(r, query.where)]
    got = [r["Id"] for r in answer(f"SELECT Id FROM LoginHistory WHERE {where}", data(records))]
    assert got == expected  # same rows, in the same (stored) order


def test_limited_group_by_in_userid_order_gives_the_first_groups_whole() -> None:
    records = tuple(r for r in rows(5000) if r["UserId"])
    object_data = data(records)
    window = "LoginTime > 2026-10-29T12:00:00Z"
    soql = (
        "SELECT UserId, SourceIp, COUNT(Id) n FROM LoginHistory WHERE {w} "
        "GROUP BY UserId, SourceIp ORDER BY UserId LIMIT {n}"
    )
    everything = answer(soql.format(w=window, n=100_000).replace(" LIMIT 100000", ""), object_data)
    first = answer(soql.format(w=window, n=50), object_data)
    assert len(first) == 50
    by_group = {(g["UserId"], g["SourceIp"]): g["n"] for g in everything}
    assert all(by_group[(g["UserId"], g["SourceIp"])] == g["n"] for g in first)
    assert [g["UserId"] for g in first] == sorted(g["UserId"] for g in first)
    assert first[-1]["UserId"] <= sorted(g["UserId"] for g in everything)[50]


def test_paging_a_large_answer_returns_every_record_once() -> None:
    records = rows(9000)
    outcome = evaluate(parse("SELECT Id FROM LoginHistory", NOW), data(records))
    seen = []
    for start in range(0, outcome.total_size, 2000):
        seen += [rec["Id"] for _, rec in outcome.page(start, start + 2000)]
    assert seen == [r["Id"] for r in records]


def test_the_generator_builds_the_org_it_is_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "org.json"
    assert main(["--users", "500", "--logins", "6000", "--apps", "12", "--seed", "7",
                 "--out", str(out)]) == 0  # fmt: skip
    snapshot = json.loads(out.read_text())
    users = snapshot["sobjects"]["User"]
    logins = snapshot["sobjects"]["LoginHistory"]
    assert len(users) == 500 and len(logins) == 6000
    assert len(snapshot["metadata"]["ConnectedApp"]) == 12
    integration = {
        p["Id"] for p in snapshot["sobjects"]["Profile"] if p["Name"] == INTEGRATION_PROFILE
    }
    share = sum(u["ProfileId"] in integration for u in users) / len(users)
    assert 0.01 <= share <= 0.03  # about 2 % integration users
    ips = Counter(r["SourceIp"].rsplit(".", 1)[0] for r in logins)
    assert len(ips) > 3  # spread over several networks
    days = {r["LoginTime"][:10] for r in logins}
    assert len(days) >= 28  # spread over the 30-day window
    assert generate(500, 6000, 12, seed=7) == snapshot  # deterministic for a seed
