"""The findings store's contract: the same assertions against the DynamoDB adapter (moto, table
from template.yaml) and the in-memory fake the use-case tests run on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.items import ScanSummary
from sfscan.store.ports import FindingsStorePort
from sfscan.store.transitions import apply_scan

from tests.unit.pipeline.fakes import InMemoryFindingsStore
from tests.unit.pipeline.pipeline_fixtures import table_definition

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
ORG_ID = "00D000000000001EAA"


@pytest.fixture(params=["dynamodb", "fake"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryFindingsStore()
        return
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="findings", **table_definition())
        yield FindingsStore(client, "findings")


def make_finding(resource_id: str, status: Status = Status.FAILED, **kw: Any) -> Finding:
    fields: dict[str, Any] = {
        "rule_id": "SF-IU-01",
        "org_id": ORG_ID,
        "resource_type": "User",
        "resource_id": resource_id,
        "resource_name": f"{resource_id}@acme.example",
        "status": status,
        "severity": Severity.CRITICAL,
        "title": "Integration user is not API only",
        "detail": "Give the user API Only.",
        "remediation": Remediation(text="Assign API Only", url="https://help.salesforce.com/"),
        "evidence": {"reasons": ["profile"], "ratio": 0.5},
    }
    return Finding(**{**fields, **kw})


def summary(scan_id: str = "20261102T030000Z-a", **kw: Any) -> ScanSummary:
    return ScanSummary(org_name="acme", scan_id=scan_id, started_at=T0, finished_at=T1, **kw)


def scan(store: FindingsStorePort, scan_id: str, findings: list[Finding]) -> list[TrackedFinding]:
    """Claim, load, decide and write, as the scan use case does; what was written."""
    assert store.claim_org("acme", scan_id) == ""
    before = store.load_findings("acme")
    out = apply_scan(
        before, findings, scan_id=scan_id, scanned_at=T1, incomplete_rules=(), scan_complete=True
    )
    stored = store.write_findings(
        "acme", scan_id, out.writes, {k: t.scan_id for k, t in before.items()}
    )
    assert stored.unwritten == () and not stored.superseded
    return list(stored.written)


def test_findings_round_trip_with_evidence_and_static_text(store: FindingsStorePort) -> None:
    written = scan(store, "s1", [make_finding("005A"), make_finding("005B", Status.PASSED)])
    loaded = store.load_findings("acme")
    assert loaded == {t.key: t for t in written}
    assert loaded[make_finding("005A").key].finding.evidence == {
        "reasons": ["profile"],
        "ratio": 0.5,
    }


def test_rule_text_comes_back_from_the_registry(store: FindingsStorePort) -> None:
    from sfscan.rules.registry import RULES_BY_ID

    meta = RULES_BY_ID["SF-IU-01"].meta
    own = make_finding("005A", title=meta.title, remediation=meta.remediation)
    scan(store, "s1", [own])
    [loaded] = store.load_findings("acme").values()
    assert (loaded.finding.title, loaded.finding.remediation) == (meta.title, meta.remediation)


def test_huge_evidence_is_stored_bounded_most_used_first(store: FindingsStorePort) -> None:
    ips = {f"10.{i // 65536}.{i // 256 % 256}.{i % 256}": {"count": i} for i in range(100_000)}
    scan(store, "s1", [make_finding("005A", evidence={"outside_ips": ips, "api_logins": 7})])
    [loaded] = store.load_findings("acme").values()
    kept = loaded.finding.evidence
    assert kept["outside_ips_total"] == 100_000 and kept["api_logins"] == 7
    top = list(kept["outside_ips"])
    assert top[0] == "10.1.134.159"  # count 99,999: the most used first
    assert kept["outside_ips_omitted"] == 100_000 - len(top)


def test_a_write_on_stale_state_is_refused(store: FindingsStorePort) -> None:
    scan(store, "s1", [make_finding("005A")])
    # A second scan decided on an empty table (it read before s1 wrote): its write is refused.
    assert store.claim_org("acme", "s2") == ""
    fresh = apply_scan(
        {},
        [make_finding("005A")],
        scan_id="s2",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    out = store.write_findings("acme", "s2", fresh.writes, {})
    assert out.written == () and [t.key for t in out.unwritten] == [make_finding("005A").key]
    [kept] = store.load_findings("acme").values()
    assert kept.scan_id == "s1"


def test_a_newer_claim_supersedes_an_older_scan(store: FindingsStorePort) -> None:
    assert store.claim_org("acme", "s1") == ""
    assert store.claim_org("acme", "s2") == ""
    assert store.claim_org("acme", "s1") == "s2"
    out = apply_scan(
        {},
        [make_finding("005A")],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    written = store.write_findings("acme", "s1", out.writes, {})
    assert written.superseded and written.written == ()
    assert store.load_findings("acme") == {}
    assert store.claim_org("acme", "s2") == ""  # the same scan again (a redelivery) may go on


def test_writes_go_in_transactions_of_at_most_100_actions(store: FindingsStorePort) -> None:
    written = scan(store, "s1", [make_finding(f"005{i:03d}") for i in range(120)])
    assert len(written) == 120 and len(store.load_findings("acme")) == 120


def test_summary_is_recorded_once_per_scan_and_org(store: FindingsStorePort) -> None:
    first = summary(by_status={"FAILED": 2}, api_calls=14, daily_api_remaining=14986)
    assert store.put_summary(first) is True
    assert store.put_summary(replace(first, opened=99)) is False
    got = store.get_summary("acme", first.scan_id)
    assert got is not None and got.opened == 0 and got.api_calls == 14
    assert got.daily_api_remaining == 14986 and got.duration_ms == 86_400_000


def test_latest_scan_moves_forward_only(store: FindingsStorePort) -> None:
    store.put_summary(summary("20261102T030000Z-b"))
    store.put_summary(summary("20261101T030000Z-a", error="late retry of an old run"))
    store.record_failure(summary("20261101T030000Z-a", error="late failure of an old run"))
    [latest] = store.latest_scans()
    assert latest.scan_id == "20261102T030000Z-b" and latest.ok


def test_a_failed_attempt_shows_as_latest_without_recording_the_scan(
    store: FindingsStorePort,
) -> None:
    store.record_failure(summary(error="failed while storing", error_kind="internal"))
    [latest] = store.latest_scans()
    assert (latest.ok, latest.error_kind) == (False, "internal")
    assert store.get_summary("acme", summary().scan_id) is None  # the retry still runs it
    assert store.put_summary(summary()) is True
    [latest] = store.latest_scans()
    assert latest.ok


def test_changed_and_open_queries(store: FindingsStorePort) -> None:
    scan(store, "s1", [make_finding("005A"), make_finding("005B"), make_finding("005C")])
    scan(
        store,
        "s2",
        [make_finding("005A"), make_finding("005B", Status.PASSED), make_finding("005C")],
    )
    changed = {
        (t.finding.resource_id, t.transition) for t in store.changed_in_scans("acme", ["s2"])
    }
    assert changed == {("005B", Transition.RESOLVED)}
    assert sorted(t.finding.resource_id for t in store.open_findings("acme")) == ["005A", "005C"]
    # Unchanged findings were not rewritten: they still say what s1 did to them.
    in_s1 = {t.finding.resource_id for t in store.changed_in_scans("acme", ["s1"])}
    assert in_s1 == {"005A", "005C"}
    both = store.changed_in_scans("acme", ["s1", "s2"])
    assert {t.finding.resource_id for t in both} == {"005A", "005B", "005C"}


def test_markers_are_set_once(store: FindingsStorePort) -> None:
    store.put_summary(summary())
    assert store.mark_summary("acme", summary().scan_id, "notified_at", T1) is True
    assert store.mark_summary("acme", summary().scan_id, "notified_at", T1) is False
    got = store.get_summary("acme", summary().scan_id)
    assert got is not None and got.notified_at == T1 and got.published_at is None
    assert store.mark_summary("acme", "no-such-scan", "published_at", T1) is False


def test_pending_summaries_are_the_unmarked_scans_back_to_the_last_marked(
    store: FindingsStorePort,
) -> None:
    for scan_id in ("s1", "s2", "s3", "s4"):
        store.put_summary(summary(scan_id))
    store.put_summary(summary("s5", error="login refused"))
    store.mark_summary("acme", "s1", "notified_at", T1)
    store.mark_summary("acme", "s3", "notified_at", T1)
    pending = store.pending_summaries("acme", "s5", "notified_at")
    assert [s.scan_id for s in pending] == ["s4"]  # s5 failed: nothing to send for it
    assert [s.scan_id for s in store.pending_summaries("acme", "s2", "notified_at")] == ["s2"]
    assert [s.scan_id for s in store.pending_summaries("acme", "s4", "published_at")] == [
        "s1",
        "s2",
        "s3",
        "s4",
    ]


def test_both_markers_go_in_one_write_and_a_set_marker_keeps_its_time(
    store: FindingsStorePort,
) -> None:
    store.put_summary(summary())
    later = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
    assert store.mark_summary("acme", summary().scan_id, "notified_at", T1) is True
    assert store.mark_summary("acme", summary().scan_id, ["notified_at", "published_at"], later)
    got = store.get_summary("acme", summary().scan_id)
    assert got is not None and (got.notified_at, got.published_at) == (T1, later)
    assert store.mark_summary("acme", summary().scan_id, ["notified_at", "published_at"], T1) is (
        False
    )


def test_scan_history_reads_back_as_far_as_publishing_needs(store: FindingsStorePort) -> None:
    ids = [f"202611{day:02d}T030000Z-a" for day in range(1, 16)]
    for scan_id in ids:  # 15 scans whose publishing failed: more than one page of records
        store.put_summary(summary(scan_id))
    history = store.scan_history("acme", ids[-1])
    assert history.current is not None and history.current.scan_id == ids[-1]
    assert [s.scan_id for s in history.pending("notified_at")] == ids
    assert [s.scan_id for s in history.pending("published_at")] == ids
    store.mark_summary("acme", ids[9], ["notified_at", "published_at"], T1)
    store.mark_summary("acme", ids[11], "notified_at", T1)
    history = store.scan_history("acme", ids[-1])
    assert [s.scan_id for s in history.pending("notified_at")] == ids[12:]
    assert [s.scan_id for s in history.pending("published_at")] == ids[10:]
    assert store.scan_history("acme", "20261131T030000Z-x").current is None  # not recorded


def test_findings_to_publish_are_the_open_and_the_changed(store: FindingsStorePort) -> None:
    scan(store, "s1", [make_finding("005A"), make_finding("005B"), make_finding("005C")])
    passed = make_finding("005D", Status.PASSED)
    scan(
        store,
        "s2",
        [make_finding("005A"), make_finding("005B", Status.PASSED), make_finding("005C"), passed],
    )
    found = {t.finding.resource_id: t for t in store.findings_to_publish("acme")}
    # 005A and 005C are open (unchanged since s1), 005B resolved by s2; 005D never a violation.
    assert sorted(found) == ["005A", "005B", "005C"]
    assert found["005B"].transition is Transition.RESOLVED and not found["005B"].open
