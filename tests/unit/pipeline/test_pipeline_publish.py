"""Publishing a recorded scan: one SNS message per org per scan, Security Hub for every changed or
still-open finding, nothing twice and nothing lost. On the in-memory fakes of the ports (held to
the AWS adapters by test_port_contracts.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pipeline_fixtures import ACCOUNT, PREFIX, REGION, make_snapshot
from sfscan.domain.settings import Settings
from sfscan.engine import evaluate
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.pipeline.publish import (
    AwsLocation,
    PublishDeps,
    publish_scan,
    summary_from_stream_record,
)
from sfscan.pipeline.scan import ScanDeps, scan_org
from sfscan.publish.errors import SecurityHubPublishError, SnsPublishError
from sfscan.publish.notify import Notification
from sfscan.store.dynamodb import to_ddb
from sfscan.store.items import ScanSummary, summary_to_item, tracked_to_item
from sfscan.store.transitions import apply_scan

from tests.unit.pipeline.fakes import FakeNotifier, FakeSecurityHub, InMemoryFindingsStore

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
CONFIG = ScanConfig(table="findings", org_secret_prefix=PREFIX)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class World:
    store: InMemoryFindingsStore = field(default_factory=InMemoryFindingsStore)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    hub: FakeSecurityHub = field(default_factory=FakeSecurityHub)
    read: int = 0

    def inbox(self) -> list[Notification]:
        """Messages sent since the last look."""
        new = self.notifier.sent[self.read :]
        self.read = len(self.notifier.sent)
        return new


@pytest.fixture
def env() -> World:
    return World()


def scan(store: InMemoryFindingsStore, scan_id: str, relax: str, clock: Clock) -> ScanSummary:
    snapshot = make_snapshot(relax)
    deps = ScanDeps(
        store=store,
        read_secret=lambda _n: {
            "name": "acme",
            "login_url": "https://acme.my.salesforce.com",
            "auth": {"flow": "client_credentials", "client_id": "x", "client_secret": "y"},
        },
        collect=lambda _c: snapshot,
        clock=clock,
    )
    return scan_org(ScanRequest(scan_id, "acme", PREFIX + "acme", clock()), deps, CONFIG).summary


def publish_deps(world: World, clock: Clock, hub: bool = True) -> PublishDeps:
    return PublishDeps(
        store=world.store,
        notifier=world.notifier,
        security_hub=world.hub if hub else None,
        location=AwsLocation(account_id=ACCOUNT, region=REGION),
        clock=clock,
    )


def test_open_then_resolve_notifies_each_change_once(env: World) -> None:
    store = env.store
    clock = Clock()
    s1 = scan(store, "s1", "BYPASS", clock)
    report = publish_scan(s1, publish_deps(env, clock))
    assert (report.messages, report.opened, report.imported) == (1, 1, 1)
    [mail] = env.inbox()
    assert "Acme" in mail.subject or "acme" in mail.subject
    assert "Acme ETL" in mail.message or "Acme_ETL" in mail.message
    assert mail.attributes["severity"]
    [finding] = env.hub.findings.values()
    assert finding["RecordState"] == "ACTIVE" and finding["Compliance"]["Status"] == "FAILED"
    first_update = finding["UpdatedAt"]

    # The same stream record delivered again: nothing new is sent.
    again = publish_scan(s1, publish_deps(env, clock))
    assert again.skipped == "already published" and env.inbox() == []

    s2 = scan(store, "s2", "ENFORCE", clock)
    report2 = publish_scan(s2, publish_deps(env, clock))
    assert (report2.messages, report2.resolved) == (1, 1)
    [mail2] = env.inbox()
    assert "resolved" in mail2.message.lower()
    [finding2] = env.hub.findings.values()
    assert finding2["RecordState"] == "ARCHIVED" and finding2["UpdatedAt"] > first_update


def test_still_open_findings_are_reimported_every_scan_but_not_notified(
    env: World,
) -> None:
    store = env.store
    clock = Clock()
    publish_scan(scan(store, "s1", "BYPASS", clock), publish_deps(env, clock))
    env.inbox()
    before = next(iter(env.hub.findings.values()))["UpdatedAt"]
    report = publish_scan(scan(store, "s2", "BYPASS", clock), publish_deps(env, clock))
    assert (report.messages, report.imported) == (0, 1)
    assert env.inbox() == []
    after = next(iter(env.hub.findings.values()))
    assert after["UpdatedAt"] > before and after["RecordState"] == "ACTIVE"


def test_security_hub_off_imports_nothing(env: World) -> None:
    store = env.store
    clock = Clock()
    report = publish_scan(scan(store, "s1", "BYPASS", clock), publish_deps(env, clock, hub=False))
    assert (report.messages, report.imported) == (1, 0)
    assert env.hub.findings == {}


def test_security_hub_off_marks_both_markers_in_one_write_and_never_sends_twice(
    env: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = env.store
    clock = Clock()
    writes: list[tuple[str, list[str]]] = []
    original = store.mark_summary

    def mark(org_name: str, scan_id: str, markers: Any, when: datetime) -> bool:
        writes.append((scan_id, [markers] if isinstance(markers, str) else list(markers)))
        return original(org_name, scan_id, markers, when)

    monkeypatch.setattr(store, "mark_summary", mark)
    s1 = scan(store, "s1", "BYPASS", clock)
    assert publish_scan(s1, publish_deps(env, clock, hub=False)).messages == 1
    # Nothing can fail after the e-mail: one write of both markers right after it.
    assert writes == [("s1", ["notified_at", "published_at"])]
    again = publish_scan(s1, publish_deps(env, clock, hub=False))
    assert again.skipped == "already published"
    assert len(env.inbox()) == 1  # the first publish's e-mail only


def test_failed_scan_is_marked_published_without_messages(
    env: World,
) -> None:
    store = env.store
    clock = Clock()
    failed = ScanSummary("acme", "s1", T0, T0, error="secret is not valid JSON", error_kind="input")
    store.put_summary(failed)
    report = publish_scan(failed, publish_deps(env, clock))
    assert report.skipped == "scan failed" and env.inbox() == []
    stored = store.get_summary("acme", "s1")
    assert stored is not None and stored.published_at is not None


def _stream_record(event: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"eventName": event, "dynamodb": {"NewImage": to_ddb(item)}}


def test_only_summary_inserts_start_publishing() -> None:
    summary = ScanSummary("acme", "s1", T0, T0, by_status={"FAILED": 1})
    got = summary_from_stream_record(_stream_record("INSERT", summary_to_item(summary)))
    assert got is not None and (got.org_name, got.scan_id, got.by_status["FAILED"]) == (
        "acme",
        "s1",
        1,
    )
    assert summary_from_stream_record(_stream_record("MODIFY", summary_to_item(summary))) is None
    findings = evaluate(make_snapshot(), Settings()).findings

    [tracked, *_] = apply_scan(
        {},
        findings,
        scan_id="s1",
        scanned_at=T0,
        incomplete_rules=(),
        scan_complete=True,
    ).writes
    assert (
        summary_from_stream_record(_stream_record("INSERT", tracked_to_item("acme", tracked)))
        is None
    )


def test_location_from_function_arn() -> None:
    loc = AwsLocation.from_function_arn(
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f"
    )
    assert (loc.partition, loc.region, loc.account_id) == (
        "aws-us-gov",
        "us-gov-west-1",
        "123456789012",
    )


def test_security_hub_state_is_reconciled_by_the_next_publish(env: World) -> None:
    store = env.store
    clock = Clock()
    publish_scan(scan(store, "s1", "BYPASS", clock), publish_deps(env, clock))
    [finding] = env.hub.findings.values()
    assert finding["RecordState"] == "ACTIVE"
    fixed = scan(store, "s2", "ENFORCE", clock)
    env.hub.down = True
    with pytest.raises(SecurityHubPublishError):  # every retry fails: the failure queue
        publish_scan(fixed, publish_deps(env, clock))
    env.hub.down = False
    assert [m.subject for m in env.inbox()][-1].endswith("1 resolved")  # the e-mail went out
    assert next(iter(env.hub.findings.values()))["RecordState"] == "ACTIVE"

    report = publish_scan(scan(store, "s3", "ENFORCE", clock), publish_deps(env, clock))
    assert report.recovered == 1 and report.messages == 0
    [finding] = env.hub.findings.values()
    assert finding["RecordState"] == "ARCHIVED" and finding["Compliance"]["Status"] == "PASSED"
    assert env.inbox() == []


def test_notifications_of_several_failed_publishes_go_out_in_one_message(env: World) -> None:
    store = env.store
    clock = Clock()
    env.notifier.failures = 1
    with pytest.raises(SnsPublishError):
        publish_scan(scan(store, "s1", "BYPASS", clock), publish_deps(env, clock))
    report = publish_scan(scan(store, "s2", "BYPASS", clock), publish_deps(env, clock))
    assert (report.messages, report.opened, report.recovered) == (1, 1, 1)
    [mail] = env.inbox()
    assert "1 new violation" in mail.subject
    for scan_id in ("s1", "s2"):
        summary = store.get_summary("acme", scan_id)
        assert summary is not None and summary.notified_at and summary.published_at
