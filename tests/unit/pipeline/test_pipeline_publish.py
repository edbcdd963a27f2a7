"""Publishing a recorded scan: one SNS message per org per scan, Security Hub for every changed or
still-open finding, and nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_fixtures import (
    ACCOUNT,
    PREFIX,
    REGION,
    Aws,
    aws_env,
    create_resources,
    make_snapshot,
    read_inbox,
)
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
from sfscan.publish.securityhub import SecurityHubPublisher
from sfscan.publish.sns import SnsPublisher
from sfscan.store.dynamodb import FindingsStore, to_ddb
from sfscan.store.items import ScanSummary, summary_to_item, tracked_to_item
from sfscan.store.transitions import apply_scan

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
CONFIG = ScanConfig(table="findings", org_secret_prefix=PREFIX)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Aws, FindingsStore]]:
    aws_env(monkeypatch)
    with mock_aws():
        session = boto3.session.Session()
        aws = create_resources(session)
        session.client("securityhub").enable_security_hub()
        yield session, aws, FindingsStore(session.client("dynamodb"), aws.table)


def scan(store: FindingsStore, scan_id: str, relax: str, clock: Clock) -> ScanSummary:
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


def publish_deps(
    session: Any, aws: Aws, store: FindingsStore, clock: Clock, hub: bool = True
) -> PublishDeps:
    return PublishDeps(
        store=store,
        notifier=SnsPublisher(session.client("sns"), aws.topic_arn),
        security_hub=SecurityHubPublisher(session.client("securityhub"), sleep=lambda _s: None)
        if hub
        else None,
        location=AwsLocation(account_id=ACCOUNT, region=REGION),
        clock=clock,
    )


def hub_findings(session: Any) -> dict[str, dict[str, Any]]:
    found = session.client("securityhub").get_findings(MaxResults=100)["Findings"]
    return {f["Id"]: f for f in found}


def test_open_then_resolve_notifies_each_change_once(env: tuple[Any, Aws, FindingsStore]) -> None:
    session, aws, store = env
    clock = Clock()
    s1 = scan(store, "s1", "BYPASS", clock)
    report = publish_scan(s1, publish_deps(session, aws, store, clock))
    assert (report.messages, report.opened, report.imported) == (1, 1, 1)
    [mail] = read_inbox(session, aws.inbox_url)
    assert "Acme" in mail["Subject"] or "acme" in mail["Subject"]
    assert "Acme ETL" in mail["Message"] or "Acme_ETL" in mail["Message"]
    assert mail["MessageAttributes"]["severity"]["Value"]
    [finding] = hub_findings(session).values()
    assert finding["RecordState"] == "ACTIVE" and finding["Compliance"]["Status"] == "FAILED"
    first_update = finding["UpdatedAt"]

    # The same stream record delivered again: nothing new is sent.
    again = publish_scan(s1, publish_deps(session, aws, store, clock))
    assert again.skipped == "already published" and read_inbox(session, aws.inbox_url) == []

    s2 = scan(store, "s2", "ENFORCE", clock)
    report2 = publish_scan(s2, publish_deps(session, aws, store, clock))
    assert (report2.messages, report2.resolved) == (1, 1)
    [mail2] = read_inbox(session, aws.inbox_url)
    assert "resolved" in mail2["Message"].lower()
    [finding2] = hub_findings(session).values()
    assert finding2["RecordState"] == "ARCHIVED" and finding2["UpdatedAt"] > first_update


def test_still_open_findings_are_reimported_every_scan_but_not_notified(
    env: tuple[Any, Aws, FindingsStore],
) -> None:
    session, aws, store = env
    clock = Clock()
    publish_scan(scan(store, "s1", "BYPASS", clock), publish_deps(session, aws, store, clock))
    read_inbox(session, aws.inbox_url)
    before = next(iter(hub_findings(session).values()))["UpdatedAt"]
    report = publish_scan(
        scan(store, "s2", "BYPASS", clock), publish_deps(session, aws, store, clock)
    )
    assert (report.messages, report.imported) == (0, 1)
    assert read_inbox(session, aws.inbox_url) == []
    after = next(iter(hub_findings(session).values()))
    assert after["UpdatedAt"] > before and after["RecordState"] == "ACTIVE"


def test_security_hub_off_imports_nothing(env: tuple[Any, Aws, FindingsStore]) -> None:
    session, aws, store = env
    clock = Clock()
    report = publish_scan(
        scan(store, "s1", "BYPASS", clock), publish_deps(session, aws, store, clock, hub=False)
    )
    assert (report.messages, report.imported) == (1, 0)
    assert hub_findings(session) == {}


def test_failed_scan_is_marked_published_without_messages(
    env: tuple[Any, Aws, FindingsStore],
) -> None:
    session, aws, store = env
    clock = Clock()
    failed = ScanSummary("acme", "s1", T0, T0, error="secret is not valid JSON", error_kind="input")
    store.put_summary(failed)
    report = publish_scan(failed, publish_deps(session, aws, store, clock))
    assert report.skipped == "scan failed" and read_inbox(session, aws.inbox_url) == []
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
