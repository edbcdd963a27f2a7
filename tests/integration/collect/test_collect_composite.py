"""The readiness check and the collection's small fixed queries go through Composite (one API
call per request). What the scan finds must not depend on it: with Composite refused or a
subrequest failing, each call is made on its own and the snapshot is the same."""

from __future__ import annotations

from typing import Any

import pytest
from collect_kit import SCANNER, Collect, with_scanner_user
from sfscan.collect.client import OrgClient
from sfscan.domain.snapshot import Snapshot

from orgsim import Faults, OrgSimulator


def what_was_found(snapshot: Snapshot) -> dict[str, Any]:
    """Everything but the counters (calls, remaining budget, duration)."""
    readiness = dict(snapshot.collection["readiness"])
    readiness.pop("daily_api")
    readiness.pop("instance_url")  # each simulator its own port
    return {
        "org": snapshot.org,
        "sobjects": snapshot.sobjects,
        "tooling": snapshot.tooling,
        "metadata": snapshot.metadata,
        "unavailable": snapshot.unavailable,
        "readiness": readiness,
    }


def scan(
    collect: Collect, data: Any, faults: Faults, username: str | None = None
) -> tuple[Snapshot, int]:
    with OrgSimulator(data, faults=faults, username=username) as sim:
        got = collect(sim)
        return got, sim.api_calls


CASES = {
    "a fully provisioned scanner": ({}, Faults(), None),
    "no Manage Users / Monitor Login History": (
        {"ManageUsers": False, "MonitorLoginHistory": False},
        Faults(),
        SCANNER,
    ),
    "UserPermissionAccess refused": (
        {},
        Faults(insufficient_access=frozenset({"UserPermissionAccess"})),
        SCANNER,
    ),
    "a permission field this org lacks": (
        {"ViewSetup": False},
        Faults(missing_fields=frozenset({"UserPermissionAccess.PermissionsMonitorLoginHistory"})),
        SCANNER,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_composite_or_not_the_scan_finds_the_same(
    case: str, demo_dict: dict[str, Any], collect: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    held, faults, username = CASES[case]
    data = with_scanner_user(demo_dict, **held) if username else demo_dict
    with_composite, calls_with = scan(collect, data, faults, username)
    monkeypatch.setattr(OrgClient, "prefetch", lambda *_, **__: None)  # as if refused
    without, calls_without = scan(collect, data, faults, username)
    assert what_was_found(with_composite) == what_was_found(without)
    assert calls_with < calls_without


def test_a_subrequest_the_org_could_not_answer_is_asked_again_on_its_own(
    demo_dict: dict[str, Any], collect: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 5xx inside a Composite answer is not an answer: the call is made directly."""
    from sfscan.collect import composite

    real = composite.answers

    def failing_tooling(chunk: Any, response: Any) -> Any:
        for sub in response["compositeResponse"]:
            if sub["referenceId"] == "c1":  # the second Tooling query
                sub.update(httpStatusCode=500, body=[{"errorCode": "UNKNOWN_EXCEPTION"}])
        return real(chunk, response)

    monkeypatch.setattr(composite, "answers", failing_tooling)
    with OrgSimulator(demo_dict) as sim:
        got = collect(sim)
        direct = [e.path for e in sim.request_log if "/tooling/query" in e.path]
    assert len(direct) == 1
    assert got.tooling["SecurityHealthCheckRisks"]
    assert "tooling:SecurityHealthCheckRisks" not in got.unavailable
