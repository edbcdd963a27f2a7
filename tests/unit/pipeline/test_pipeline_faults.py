"""Failures on the worst day, through the real scan and publish handlers on moto: whatever fails
while scanning an org is that org's recorded error; a publish that fails every retry loses
nothing; an org under attack (100,000 outside IPs) is still scanned and published."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from pipeline_fixtures import World, handler_world
from sfscan.pipeline import runtime
from sfscan.publish.errors import SnsPublishError
from sfscan.publish.sns import SnsPublisher
from sfscan.store.dynamodb import FindingsStore, StoreError
from sfscan.store.items import MAX_ITEM_BYTES
from sfscan_harness.capacity import item_size

from tests.builders import OrgBuilder, make_login

S1 = "20261128T030000Z-aaaa0001"
S2 = "20261129T030000Z-bbbb0002"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with handler_world(monkeypatch) as w:
        yield w


def _boom(*_a: Any, **_k: Any) -> Any:
    raise RuntimeError("unexpected shape in the response")


def test_a_failure_of_one_org_is_its_recorded_error_and_the_message_is_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each stage (secret, collection, evaluation, claim, write) on the fake store:
    # test_pipeline_scan.py::test_an_unexpected_failure_at_any_stage_is_the_orgs_error.
    with monkeypatch.context() as m:
        m.setattr(FindingsStore, "write_findings", _boom)
        with pytest.raises(BatchProcessingError):  # the message is retried, then dead-lettered
            world.scan(S1)
    [latest] = world.store.latest_scans()
    assert latest.org_name == "demo" and not latest.ok and latest.error_kind == "internal"
    assert "while storing the findings: RuntimeError: unexpected shape" in latest.error
    assert world.store.get_summary("demo", S1) is None  # not recorded: the retry runs it

    world.scan(S1)  # the retry succeeds and replaces the error
    [latest] = world.store.latest_scans()
    assert latest.ok and latest.scan_id == S1


def test_a_secret_that_cannot_be_fetched_is_the_orgs_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def throttled(_name: str) -> Any:
        raise StoreError("Secrets Manager throttled GetSecretValue")

    with monkeypatch.context() as m:
        m.setattr(runtime, "read_org_secret", throttled)
        runtime.reset()
        with pytest.raises(BatchProcessingError):
            world.scan(S1)
    runtime.reset()
    [latest] = world.store.latest_scans()
    assert "throttled GetSecretValue" in latest.error


def test_notifications_that_failed_every_retry_go_out_with_the_next_publish(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sns_down(*_a: Any, **_k: Any) -> Any:
        raise SnsPublishError("SNS refused a notification (KMS.DisabledException)")

    world.scan(S1)  # opens the violation
    with monkeypatch.context() as m:
        m.setattr(SnsPublisher, "publish", sns_down)
        records = world.stream.event()
        for _ in range(3):  # the event source's retries, then the failure queue
            out = _publish_event(world, records)
            assert out["batchItemFailures"]
    assert world.mails() == []

    world.scan(S2)  # nothing changed in the org
    world.publish()
    [mail] = world.mails()
    assert "1 new violation" in mail["Subject"] and "Acme ETL" in mail["Message"]
    first = world.store.get_summary("demo", S1)
    assert first is not None and first.notified_at is not None  # never sent twice
    # The failure queue's record redriven later: already done, nothing sent again.
    assert _publish_event(world, records) == {"batchItemFailures": []}
    assert world.mails() == []


def _publish_event(world: World, records: dict[str, Any]) -> dict[str, Any]:
    from pipeline_fixtures import FakeContext, load_handler

    try:
        result: dict[str, Any] = load_handler("publish").handler(records, FakeContext())
    except BatchProcessingError:
        return {"batchItemFailures": [{"itemIdentifier": "all"}]}
    return result


def test_an_org_with_100000_outside_ips_is_scanned_and_published_bounded(world: World) -> None:
    org = OrgBuilder()
    user = org.integration_user("etl@acme.example")
    org.add(
        "LoginHistory",
        *(
            make_login(user, source_ip=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", count=i + 1)
            for i in range(100_000)
        ),
    )
    world.snapshot = org.snapshot()
    world.set_settings({"allowed_networks": ["203.0.113.0/24"]})

    assert world.scan(S1) == {"batchItemFailures": []}
    summary = world.store.get_summary("demo", S1)
    assert summary is not None and summary.ok and summary.opened >= 1
    raw = world.session.client("dynamodb").get_item(
        TableName=world.aws.table,
        Key={"pk": {"S": "ORG#demo"}, "sk": {"S": f"FINDING#SF-NET-01#{user['Id']}"}},
    )["Item"]
    assert item_size(raw) <= MAX_ITEM_BYTES < 1024  # 1 WCU, far from DynamoDB's 400 KB

    assert world.publish() == {"batchItemFailures": []}
    mails = world.mails()
    net = next(m for m in mails if "SF-NET-01" in m["Message"])
    body = " ".join(net["Message"].split())
    assert "IPs: 10.1.134.159 (100000 logins)," in body  # the most used first
    assert "more" in body and len(net["Message"].encode()) < 256 * 1024
    [hub] = [f for f in world.hub() if f["GeneratorId"] == "sfscan/SF-NET-01"]
    other = hub["Resources"][0]["Details"]["Other"]
    assert other["outside_ips_total"] == "100000"
    assert all(len(v) < 1024 for v in other.values())
