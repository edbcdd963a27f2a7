"""The simulator refuses what a real org refuses, from sfscan's fact table (facts.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from orgsim_testkit import trusting_session
from sfscan.collect import plan
from sfscan.collect.readiness import last_login_query, scanner_profile_queries

from orgsim import Faults, OrgSimulator
from orgsim.inprocess import InProcessOrg
from orgsim.refusals import check_query
from orgsim.soql import parse


def query(sim: OrgSimulator, soql: str, version: str = "62.0") -> requests.Response:
    return trusting_session(sim).get(
        f"{sim.instance_url}/services/data/v{version}/query/",
        params={"q": soql},
        headers={"Authorization": f"Bearer {sim.access_token}"},
        timeout=30,
    )


@pytest.mark.parametrize("field", ["Status", "SourceIp", "Application"])
def test_a_filter_on_a_field_login_history_cannot_filter_is_refused(
    shared_sim: OrgSimulator, field: str
) -> None:
    answer = query(shared_sim, f"SELECT Id FROM LoginHistory WHERE {field} = 'x'")
    assert answer.status_code == 400
    assert answer.json()[0] == {
        "message": f"field '{field}' can not be filtered in query call",
        "errorCode": "INVALID_FIELD",
    }


def test_group_by_login_time_is_refused(shared_sim: OrgSimulator) -> None:
    answer = query(shared_sim, "SELECT LoginTime, COUNT(Id) FROM LoginHistory GROUP BY LoginTime")
    assert answer.status_code == 400
    assert answer.json()[0]["message"] == "field 'LoginTime' can not be grouped in a query call"


def test_more_groups_than_one_batch_is_the_orgs_aggregate_error(
    snapshot_dict: dict[str, Any],
) -> None:
    data = copy.deepcopy(snapshot_dict)
    row = data["sobjects"]["LoginHistory"][0]
    data["sobjects"]["LoginHistory"] = [
        dict(row, SourceIp=f"10.0.{i // 250}.{i % 250}") for i in range(2001)
    ]
    with InProcessOrg(data) as sim:
        answer = query(sim, "SELECT SourceIp, COUNT(Id) FROM LoginHistory GROUP BY SourceIp")
    assert answer.status_code == 400
    error = answer.json()[0]
    assert error["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert error["message"].startswith("Aggregate query does not support queryMore()")


def test_oauth_tokens_come_500_a_batch_2500_in_all_without_ids(
    snapshot_dict: dict[str, Any],
) -> None:
    data = copy.deepcopy(snapshot_dict)
    token = data["sobjects"]["OauthToken"][0]
    data["sobjects"]["OauthToken"] = [dict(token, UseCount=i) for i in range(2700)]
    with InProcessOrg(data) as sim:
        session = trusting_session(sim)
        auth = {"Authorization": f"Bearer {sim.access_token}"}
        first = query(sim, "SELECT Id, AppName FROM OauthToken").json()
        records, page, pages = list(first["records"]), first, 1
        while not page["done"]:
            page = session.get(
                sim.instance_url + page["nextRecordsUrl"], headers=auth, timeout=30
            ).json()
            records += page["records"]
            pages += 1
        counted = query(sim, "SELECT COUNT() FROM OauthToken").json()["totalSize"]
    assert len(first["records"]) == 500
    assert (len(records), pages, counted) == (2500, 5, 2700)
    assert {r["Id"] for r in records} == {None}


def test_last_n_days_counts_in_the_callers_time_zone(snapshot_dict: dict[str, Any]) -> None:
    # captured 2026-11-28T12:00Z; a login at 2026-11-28T03:00Z is "today" in UTC but was
    # 2026-11-27 19:00 in Los Angeles, so LAST_N_DAYS:0 leaves it out for a caller there.
    data = copy.deepcopy(snapshot_dict)
    rows = data["sobjects"]["LoginHistory"]
    soql = "SELECT COUNT() FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:0"
    with InProcessOrg(data) as sim:
        utc_today = query(sim, soql).json()["totalSize"]
    for user in data["sobjects"]["User"]:
        user["TimeZoneSidKey"] = "America/Los_Angeles"
    with InProcessOrg(data) as sim:
        la_today = query(sim, soql).json()["totalSize"]
    start_utc = datetime(2026, 11, 28, tzinfo=UTC)
    start_la = datetime(2026, 11, 28, 8, tzinfo=UTC)
    times = [datetime.fromisoformat(r["LoginTime"].replace("+0000", "+00:00")) for r in rows]
    end = start_utc + timedelta(days=1)
    assert utc_today == sum(start_utc <= t < end for t in times)
    assert la_today == sum(start_la <= t < start_la + timedelta(days=1) for t in times)
    assert la_today < utc_today


def test_describe_gives_filterable_and_groupable_from_the_fact_table(
    shared_sim: OrgSimulator,
) -> None:
    answer = trusting_session(shared_sim).get(
        f"{shared_sim.instance_url}/services/data/v62.0/sobjects/LoginHistory/describe",
        headers={"Authorization": f"Bearer {shared_sim.access_token}"},
        timeout=30,
    )
    fields = {f["name"]: f for f in answer.json()["fields"]}
    assert fields["Status"]["filterable"] is False and fields["Status"]["groupable"] is True
    assert fields["LoginTime"]["filterable"] is True and fields["LoginTime"]["groupable"] is False


def test_a_field_the_org_does_not_have_is_not_described_and_refused(
    snapshot_dict: dict[str, Any],
) -> None:
    with InProcessOrg(
        snapshot_dict, Faults(missing_fields=frozenset({"LoginIpRange.StartAddress"}))
    ) as sim:
        answer = query(sim, "SELECT Id, StartAddress FROM LoginIpRange")
        described = (
            trusting_session(sim)
            .get(
                f"{sim.instance_url}/services/data/v62.0/sobjects/LoginIpRange/describe",
                headers={"Authorization": f"Bearer {sim.access_token}"},
                timeout=30,
            )
            .json()
        )
    assert answer.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "StartAddress" not in {f["name"] for f in described["fields"]}


def test_a_field_newer_than_the_api_version_is_not_there(shared_sim: OrgSimulator) -> None:
    old = query(shared_sim, "SELECT Id, IsRevoked FROM PermissionSetAssignment", version="56.0")
    new = query(shared_sim, "SELECT Id, IsRevoked FROM PermissionSetAssignment", version="57.0")
    assert old.json()[0]["errorCode"] == "INVALID_FIELD"
    assert new.status_code == 200


def collector_queries() -> list[str]:
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    return [
        plan.login_history_raw_query(start, end),
        plan.login_history_aggregate_query(start, end),
        plan.oauth_token_query(),
        plan.oauth_token_count_query(),
        plan.organization_query(),
        *(plan.sobject_query(name) for name in plan.SOBJECT_FIELDS),
        *(plan.tooling_query(name) for name in plan.TOOLING_FIELDS),
        last_login_query("005SIM000000001AAA"),
        *scanner_profile_queries("005SIM000000001AAA", "00eSIM000000001AAA"),
    ]


@pytest.mark.parametrize("soql", collector_queries())
def test_every_query_the_scanner_sends_is_one_the_org_accepts(soql: str) -> None:
    parsed = parse(soql, datetime(2026, 11, 28, tzinfo=UTC))
    section = "tooling" if parsed.sobject in plan.TOOLING_FIELDS else "sobject"
    check_query(parsed, section, parsed.sobject)  # raises the org's refusal
    # Relative dates count in the scanner user's time zone: the scanner sends date-times.
    assert not any(w in soql.upper() for w in ("LAST_N_DAYS", "TODAY", "YESTERDAY"))
