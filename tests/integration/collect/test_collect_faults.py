"""A misbehaving org: expired sessions, refusals, limits, 5xx, truncated bodies, foreign hosts."""

from __future__ import annotations

from typing import Any

import pytest
from collect_kit import Collect
from sfscan.collect.hosts import HostPolicy
from sfscan.domain.errors import InputError, ScanIncompleteError
from sfscan.domain.findings import Status
from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Snapshot
from sfscan.engine import evaluate
from sfscan.rules.registry import RULES

from orgsim import Faults, OrgSimulator


def rules_needing(key: str) -> set[str]:
    return {rule.meta.id for rule in RULES if key in rule.meta.needs}


def statuses(snapshot: Snapshot, settings: Settings, rule_id: str) -> set[Status]:
    return {f.status for f in evaluate(snapshot, settings).findings if f.rule_id == rule_id}


@pytest.mark.parametrize(("lifetime", "workers"), [(1, 1), (3, 1), (8, 4)])
def test_an_expired_session_is_renewed_and_the_scan_completes(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, lifetime: int, workers: int
) -> None:
    sim.set_faults(Faults(expire_token_after=lifetime))
    got = collect(sim, concurrency=workers)
    assert got.collection["session_renewals"] >= 1
    assert got.collection["token_calls"] == 1 + got.collection["session_renewals"]
    assert len(got.sobjects["User"]) == len(demo.sobjects["User"])
    assert got.unavailable.keys() <= {"sobject:Organization", *demo.unavailable}
    assert any(e.status == 401 for e in sim.request_log)


def test_a_session_refused_again_after_renewal_ends_the_scan(
    sim: OrgSimulator, collect: Collect
) -> None:
    sim.set_faults(Faults(expire_token_after=0))
    with pytest.raises(ScanIncompleteError, match="refused the session again"):
        collect(sim, concurrency=1)


def test_insufficient_access_marks_the_source_unavailable_and_its_rules_not_available(
    sim: OrgSimulator, collect: Collect, demo_settings: Settings
) -> None:
    sim.set_faults(Faults(insufficient_access=frozenset({"LoginHistory"})))
    got = collect(sim)
    assert got.unavailable["sobject:LoginHistory"].startswith("INSUFFICIENT_ACCESS: ")
    assert "LoginHistory" not in got.sobjects
    assert len(got.sobjects["User"]) > 0  # the scan went on
    affected = rules_needing("sobject:LoginHistory")
    assert affected
    for rule_id in affected:
        assert statuses(got, demo_settings, rule_id) == {Status.NOT_AVAILABLE}, rule_id


def test_invalid_type_on_a_metadata_type_marks_it_unavailable(
    sim: OrgSimulator, collect: Collect, demo_settings: Settings
) -> None:
    sim.set_faults(Faults(invalid_type=frozenset({"ConnectedApp"})))
    got = collect(sim)
    assert got.unavailable["metadata:ConnectedApp"].startswith("INVALID_TYPE: ")
    assert "ExtlClntAppOauthConfigurablePolicies" in got.metadata  # listed apart, still read
    assert Status.PASSED not in statuses(got, demo_settings, "SF-CA-01")
    assert Status.NOT_AVAILABLE in statuses(got, demo_settings, "SF-CA-01")


def test_one_unreadable_connected_app_is_not_available_the_others_are_judged(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, demo_settings: Settings
) -> None:
    victim = demo.metadata["ConnectedApp"][0]["fullName"]
    sim.set_faults(Faults(insufficient_access=frozenset({f"ConnectedApp:{victim}"})))
    got = collect(sim)
    assert f"metadata:ConnectedApp:{victim}" in got.unavailable
    assert victim not in {r["fullName"] for r in got.metadata["ConnectedApp"]}
    findings = [f for f in evaluate(got, demo_settings).findings if f.rule_id == "SF-CA-01"]
    assert {f.status for f in findings if f.resource_id == victim} == {Status.NOT_AVAILABLE}
    assert any(f.status is not Status.NOT_AVAILABLE for f in findings)


def test_invalid_type_on_an_sobject_is_recorded_with_the_error_code(
    sim: OrgSimulator, collect: Collect
) -> None:
    sim.set_faults(Faults(invalid_type=frozenset({"PermissionSetGroup", "SecurityHealthCheck"})))
    got = collect(sim)
    assert got.unavailable["sobject:PermissionSetGroup"].startswith("INVALID_TYPE: ")
    assert got.unavailable["tooling:SecurityHealthCheck"].startswith("INVALID_TYPE: ")


def test_the_request_limit_stops_the_scan_and_says_how_many_calls_were_made(
    sim: OrgSimulator, collect: Collect
) -> None:
    sim.set_faults(Faults(request_limit_after=5))
    with pytest.raises(ScanIncompleteError) as info:
        collect(sim)
    message = str(info.value)
    assert "request limit" in message and "24-hour" in message
    assert "sfscan made" in message
    refused = [e for e in sim.request_log if e.status == 403]
    # Calls already in flight may land; nothing new is started once the limit is seen.
    assert len(refused) <= 4


@pytest.mark.parametrize("calls", [frozenset({1}), frozenset({2, 3}), frozenset({4, 5, 9})])
def test_5xx_answers_are_retried(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, calls: frozenset[int]
) -> None:
    sim.set_faults(Faults(server_error_on=calls))
    # Three faulted calls could all land on one request's three attempts when several are in
    # flight (its retry takes the next call number); one at a time, each retry follows at once.
    got = collect(sim, concurrency=1 if len(calls) >= 3 else 4)
    assert sum(e.status == 503 for e in sim.request_log) == len(calls)
    assert len(got.sobjects["User"]) == len(demo.sobjects["User"])
    assert got.collection["api_calls"] == sim.api_calls  # retries are billed, so counted


def test_a_5xx_on_every_attempt_ends_the_scan(sim: OrgSimulator, collect: Collect) -> None:
    sim.set_faults(Faults(server_error_on=frozenset(range(1, 200))))
    with pytest.raises(ScanIncompleteError, match="HTTP 503"):
        collect(sim, concurrency=1)


@pytest.mark.parametrize("calls", [frozenset({1}), frozenset({3, 6})])
def test_truncated_bodies_are_retried(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, calls: frozenset[int]
) -> None:
    sim.set_faults(Faults(truncate_body_on=calls))
    got = collect(sim)
    for name in ("User", "Profile", "PermissionSetAssignment"):
        assert len(got.sobjects[name]) == len(demo.sobjects[name])
    assert len(got.metadata["ConnectedApp"]) == len(demo.metadata["ConnectedApp"])


def test_the_simulator_host_is_refused_unless_allowed(sim: OrgSimulator, collect: Collect) -> None:
    with pytest.raises(InputError, match=r"--allow-host 127.0.0.1"):
        collect(sim, host_policy=HostPolicy())
    assert sim.request_log == []  # not even the assertion was sent


def test_an_allowed_host_with_the_wrong_port_is_refused(
    sim: OrgSimulator, collect: Collect
) -> None:
    with pytest.raises(InputError):
        collect(sim, host_policy=HostPolicy(["127.0.0.1:1"]))
    assert sim.request_log == []


def variant(demo_dict: dict[str, Any], **sobjects: list[dict[str, Any]]) -> dict[str, Any]:
    demo_dict["sobjects"].update(sobjects)
    return demo_dict


def test_paging_follows_next_records_url_to_the_end(
    demo_dict: dict[str, Any], collect: Collect
) -> None:
    extra = [
        {
            "Id": f"005XX{i:013d}",
            "Username": f"bulk{i}@acme.example.com",
            "Name": f"Bulk {i}",
            "IsActive": False,
            "UserType": "Standard",
            "ProfileId": None,
            "LastLoginDate": None,
        }
        for i in range(4500)
    ]
    data = variant(demo_dict, User=demo_dict["sobjects"]["User"] + extra)
    with OrgSimulator(data) as sim:
        got = collect(sim)
        user_pages = [
            e for e in sim.request_log if e.path.startswith("/services/data/v62.0/query/0")
        ]
    assert len(got.sobjects["User"]) == len(data["sobjects"]["User"])
    assert len({u["Id"] for u in got.sobjects["User"]}) == len(data["sobjects"]["User"])
    assert len(user_pages) >= 2  # 4,540 rows at 2,000 a page


def test_oauth_tokens_at_the_cap_are_reported_truncated(
    demo_dict: dict[str, Any], collect: Collect
) -> None:
    token = demo_dict["sobjects"]["OauthToken"][0]
    data = variant(demo_dict, OauthToken=[dict(token, UseCount=i) for i in range(2600)])
    with OrgSimulator(data) as sim:
        got = collect(sim)
    assert "sobject:OauthToken" in got.collection["truncated"]
    assert "2,600" in got.collection["truncated"]["sobject:OauthToken"]


def test_more_than_2000_login_groups_are_sliced_and_merged(
    demo_dict: dict[str, Any], collect: Collect, demo: Snapshot
) -> None:
    user_id = demo_dict["sobjects"]["User"][0]["Id"]
    rows = [
        {
            "Id": f"0YaXX{i:013d}",
            "UserId": user_id,
            "LoginType": "Remote Access 2.0",
            "Status": "Success",
            "SourceIp": f"10.{i // 250}.{i % 250}.1",
            "Application": "ETL",
            "LoginTime": f"2026-11-{1 + i % 25:02d}T{i % 24:02d}:00:00.000+0000",
        }
        for i in range(2300)
    ]
    data = variant(demo_dict, LoginHistory=rows)
    with OrgSimulator(data) as sim:
        got = collect(sim)
    assert got.collection["login_history"] == "aggregate"
    assert sum(r["count"] for r in got.sobjects["LoginHistory"]) == 2300
    assert len(got.sobjects["LoginHistory"]) == 2300
