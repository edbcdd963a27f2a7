"""The real Lambda handlers, called directly with the events/ samples (no Docker)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto import mock_aws
from pipeline_fixtures import (
    PREFIX,
    Aws,
    FakeContext,
    aws_env,
    create_resources,
    credentials_json,
    load_event,
    load_handler,
    make_snapshot,
    read_inbox,
)
from sfscan.pipeline import runtime
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.store.dynamodb import FindingsStore


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Aws]]:
    aws_env(monkeypatch)
    runtime.reset()
    with mock_aws():
        session = boto3.session.Session()
        resources = create_resources(session)
        session.client("securityhub").enable_security_hub()
        for name, value in {
            "SFSCAN_TABLE": resources.table,
            "SFSCAN_ORG_SECRET_PREFIX": PREFIX,
            "SFSCAN_SCAN_QUEUE_URL": resources.queue_url,
            "SFSCAN_TOPIC_ARN": resources.topic_arn,
            "SFSCAN_ENABLE_SECURITY_HUB": "true",
        }.items():
            monkeypatch.setenv(name, value)
        yield session, resources
    runtime.reset()


def test_dispatch_handler_queues_every_registered_org(aws: tuple[Any, Aws]) -> None:
    session, res = aws
    sm = session.client("secretsmanager")
    for org in ("demo", "globex"):
        sm.create_secret(Name=PREFIX + org, SecretString=json.dumps(credentials_json(org)))
    out = load_handler("dispatch").handler(load_event("dispatch-schedule.json"), FakeContext())
    assert out == {"scan_id": "20261128T030000Z-6f1c2a3b", "orgs": ["demo", "globex"]}
    msgs = session.client("sqs").receive_message(QueueUrl=res.queue_url, MaxNumberOfMessages=10)
    assert sorted(ScanRequest.from_json(m["Body"]).org_name for m in msgs["Messages"]) == [
        "demo",
        "globex",
    ]
    one = load_handler("dispatch").handler(load_event("dispatch-one-org.json"), FakeContext())
    assert one["orgs"] == ["demo"]


def test_scan_then_publish_handlers_with_the_sample_events(
    aws: tuple[Any, Aws], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session, res = aws
    session.client("secretsmanager").create_secret(
        Name=PREFIX + "demo", SecretString=json.dumps(credentials_json("demo"))
    )
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("BYPASS"))
    scan = load_handler("scan")
    out = scan.handler(load_event("scan.json"), FakeContext())
    assert out == {"batchItemFailures": []}
    store = FindingsStore(session.client("dynamodb"), res.table)
    summary = store.get_summary("demo", "20261128T030000Z-6f1c2a3b")
    assert summary is not None and summary.ok and summary.opened == 1

    logs = capsys.readouterr().out.replace(" ", "")
    assert '"OrgsScanned":[1.0]' in logs and '"ScanErrors":[0.0]' in logs
    assert '"severity":"HIGH"' in logs and '"Violations":[1.0]' in logs
    assert '"correlation_id":"20261128T030000Z-6f1c2a3b"' in logs
    assert "s3cr3t-value" not in logs

    publish = load_handler("publish")
    assert publish.handler(load_event("publish.json"), FakeContext()) == {"batchItemFailures": []}
    [mail] = read_inbox(session, res.inbox_url)
    assert "Acme ETL" in mail["Message"]
    hub = session.client("securityhub").get_findings()["Findings"]
    assert len(hub) == 1 and hub[0]["Compliance"]["Status"] == "FAILED"
    # The stream redelivers the same batch: nothing is sent twice.
    assert publish.handler(load_event("publish.json"), FakeContext()) == {"batchItemFailures": []}
    assert read_inbox(session, res.inbox_url) == []


def test_scan_handler_records_a_bad_secret_and_reports_no_failure(aws: tuple[Any, Aws]) -> None:
    session, res = aws
    session.client("secretsmanager").create_secret(Name=PREFIX + "demo", SecretString="{not json")
    out = load_handler("scan").handler(load_event("scan.json"), FakeContext())
    assert out == {"batchItemFailures": []}
    store = FindingsStore(session.client("dynamodb"), res.table)
    summary = store.get_summary("demo", "20261128T030000Z-6f1c2a3b")
    assert summary is not None and not summary.ok and "not valid JSON" in summary.error


def test_scan_handler_reports_an_unreadable_message_for_retry(aws: tuple[Any, Aws]) -> None:
    event = load_event("scan.json")
    event["Records"][0]["body"] = "not a scan request"
    # BatchSize is 1, so the one record failing fails the invocation: SQS retries it, then the DLQ.
    with pytest.raises(BatchProcessingError):
        load_handler("scan").handler(event, FakeContext())


def test_secret_is_cached_between_invocations(
    aws: tuple[Any, Aws], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _res = aws
    sm = session.client("secretsmanager")
    sm.create_secret(Name=PREFIX + "demo", SecretString=json.dumps(credentials_json("demo")))
    assert runtime.read_org_secret(PREFIX + "demo")["name"] == "demo"
    sm.put_secret_value(SecretId=PREFIX + "demo", SecretString=json.dumps(credentials_json("new")))
    assert runtime.read_org_secret(PREFIX + "demo")["name"] == "demo"
    runtime.reset()
    assert runtime.read_org_secret(PREFIX + "demo")["name"] == "new"
