"""Collecting the demo org through the real simple-salesforce client over HTTPS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from collect_kit import Collect, cc_credentials, jwt_credentials
from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Snapshot
from sfscan.engine import evaluate

from orgsim import OrgSimulator


def as_set(records: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in records)


def without_new_nulls(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> list[str]:
    """``got`` without the null fields the snapshot never had (fields the collector newly
    selects, such as PermissionSetAssignment.IsRevoked, come back null from an old snapshot)."""
    known = {k for r in want for k in r}
    return as_set([{k: v for k, v in r.items() if v is not None or k in known} for r in got])


def finding_keys(snapshot: Snapshot, settings: Settings) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f.rule_id, f.resource_id, f.status.value, f.severity.value)
        for f in evaluate(snapshot, settings).findings
    )


@pytest.mark.parametrize("flow", ["jwt", "client_credentials"])
def test_both_flows_collect_every_record_of_the_org(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, flow: str
) -> None:
    creds = jwt_credentials(sim) if flow == "jwt" else cc_credentials(sim)
    got = collect(sim, creds)
    assert got.captured_at == demo.captured_at
    assert got.org.Id == demo.org.Id
    for name, records in demo.sobjects.items():
        if name != "LoginHistory":
            assert without_new_nulls(got.sobjects[name], records) == as_set(records), name
    assert {k: as_set(v) for k, v in got.tooling.items()} == {
        k: as_set(v) for k, v in demo.tooling.items()
    }
    for metadata_type, records in demo.metadata.items():
        assert as_set(got.metadata[metadata_type]) == as_set(records), metadata_type


def test_login_history_is_aggregated_and_counts_every_login_in_the_window(
    sim: OrgSimulator, collect: Collect, demo: Snapshot
) -> None:
    got = collect(sim)
    assert got.collection["login_history"] == "aggregate"
    start = demo.captured_at.timestamp() - 30 * 86400
    in_window = [
        r
        for r in demo.sobjects["LoginHistory"]
        if start < _ts(r["LoginTime"]) <= demo.captured_at.timestamp()
    ]
    assert sum(r["count"] for r in got.sobjects["LoginHistory"]) == len(in_window)
    assert set(got.sobjects["LoginHistory"][0]) == {
        "UserId",
        "LoginType",
        "Status",
        "SourceIp",
        "Application",
        "count",
        "LoginTime",
    }


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def test_findings_equal_those_of_the_original_snapshot(
    sim: OrgSimulator, collect: Collect, demo: Snapshot, demo_settings: Settings
) -> None:
    got = collect(sim, jwt_credentials(sim, settings=demo_settings.to_json_dict()))
    assert finding_keys(got, demo_settings) == finding_keys(demo, demo_settings)


def test_what_the_scan_spent_is_recorded(sim: OrgSimulator, collect: Collect) -> None:
    got = collect(sim)
    info = got.collection
    api_calls = [e for e in sim.request_log if e.call_number is not None]
    assert info["api_calls"] == len(api_calls) == sim.api_calls
    assert info["token_calls"] == 1
    assert info["api_usage"]["max"] == 15000 and info["api_usage"]["used"] >= 1
    assert info["daily_api_remaining"] == 15000 - sim.api_calls
    assert info["truncated"] == {}
    assert info["duration_s"] >= 0
    # Metadata through SOAP; the daily budget from the Sforce-Limit-Info header, never from
    # a /limits call of its own.
    paths = [e.path for e in sim.request_log]
    assert any(p.startswith("/services/Soap/m/") for p in paths)
    assert not any(p.rstrip("/").endswith("/limits") for p in paths)


def test_readiness_and_small_fixed_queries_cost_two_composite_calls(
    sim: OrgSimulator, collect: Collect
) -> None:
    """Every describe, the scanner's own permissions, profile, ranges and last login, the
    Organization query and both Tooling queries: one REST and one Tooling Composite request,
    each one API call, and none of them sent again on its own."""
    got = collect(sim)
    rest = [e for e in sim.request_log if e.call_number is not None and "/Soap/" not in e.path]
    paths = [e.path for e in rest]
    assert paths.count("/services/data/v62.0/composite") == 1
    assert paths.count("/services/data/v62.0/tooling/composite") == 1
    assert not any(p.endswith("/describe") or "/tooling/query" in p for p in paths)
    sent = " ".join(e.soql or "" for e in rest)
    for query in ("FROM Organization", "FROM UserPermissionAccess", "FROM LoginIpRange WHERE"):
        assert query not in sent
    assert "FROM User WHERE Id" not in sent
    # ... and what they fetched is in the snapshot.
    assert got.org.Name and set(got.tooling) == {"SecurityHealthCheck", "SecurityHealthCheckRisks"}
    assert got.collection["readiness"]["scanner_user"]["login_ip_ranges"]


def test_permission_columns_follow_describe_and_settings(
    sim: OrgSimulator, collect: Collect
) -> None:
    got = collect(sim, jwt_credentials(sim, settings={"excessive_permissions": ["ModifyAllData"]}))
    profile_fields = set().union(*(r.keys() for r in got.sobjects["Profile"]))
    assert "PermissionsModifyAllData" in profile_fields
    assert "PermissionsViewAllData" not in profile_fields
    # The readiness check describes every object in one REST and one Tooling Composite call
    # (one API call each for up to 25 subrequests), reused for the permission columns.
    composite = [e.path for e in sim.request_log if e.path.endswith("/composite")]
    assert composite == ["/services/data/v62.0/composite", "/services/data/v62.0/tooling/composite"]
    assert not [e.path for e in sim.request_log if e.path.endswith("/describe")]


def test_metadata_is_listed_once_per_scan(
    sim: OrgSimulator, collect: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readiness check lists the metadata types; the collection reads what it listed
    instead of spending another listMetadata call on the same answer."""
    from sfscan.collect.metadata import MetadataReader

    listed: list[tuple[str, ...]] = []
    original = MetadataReader.list_names

    def counting(self: MetadataReader, types: Any) -> Any:
        listed.append(tuple(types))
        return original(self, types)

    monkeypatch.setattr(MetadataReader, "list_names", counting)
    got = collect(sim, jwt_credentials(sim))
    assert len(listed) == 1
    assert {r["fullName"] for r in got.metadata["ConnectedApp"]} >= {"Legacy_ETL"}
