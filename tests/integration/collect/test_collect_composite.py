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


def test_the_first_three_requests_are_sent_together(
    demo_dict: dict[str, Any], collect: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The REST and Tooling Composite requests and listMetadata do not wait for each other: each
    waits here until all three are in flight (sent one after another, the first would wait for
    the others until the barrier breaks, and the scan would fail)."""
    import threading

    from sfscan.collect.metadata import MetadataReader

    barrier = threading.Barrier(3, timeout=30)  # a hang guard, not a measure of speed
    prefetch, list_names = OrgClient.prefetch, MetadataReader.list_names

    def waiting_prefetch(self: OrgClient, *args: Any, **kwargs: Any) -> None:
        barrier.wait()
        prefetch(self, *args, **kwargs)

    def waiting_list(self: MetadataReader, *args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return list_names(self, *args, **kwargs)

    monkeypatch.setattr(OrgClient, "prefetch", waiting_prefetch)
    monkeypatch.setattr(MetadataReader, "list_names", waiting_list)
    with OrgSimulator(demo_dict) as sim:
        got = collect(sim)
    assert got.collection["readiness"]["ok"] is True
    assert not barrier.broken
