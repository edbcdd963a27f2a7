"""The publishers' contracts: the same assertions against the SNS and Security Hub adapters on moto
and the in-memory fakes the use-case tests run on (tests/unit/pipeline/fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from publish_builders import ACCOUNT, PUBLISH_AT, REGION, make_finding, make_tracked
from sfscan.publish.asff import build_asff_finding
from sfscan.publish.errors import SnsPublishError
from sfscan.publish.notify import Notification
from sfscan.publish.ports import NotifierPort, SecurityHubPort
from sfscan.publish.securityhub import SecurityHubPublisher
from sfscan.publish.sns import SnsPublisher

from tests.unit.pipeline.fakes import FakeNotifier, FakeSecurityHub


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


class SnsSide:
    """The real adapter on a moto topic, read back through an SQS subscriber."""

    def __init__(self) -> None:
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        self.topic = sns.create_topic(Name="findings")["TopicArn"]
        self.queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=self.topic,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        self.port: NotifierPort = SnsPublisher(sns, self.topic)

    def received(self) -> list[str]:
        got = boto3.client("sqs").receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10)
        return sorted(m["Body"] for m in got.get("Messages", []))


class FakeSnsSide:
    def __init__(self) -> None:
        self.fake = FakeNotifier()
        self.port: NotifierPort = self.fake

    def received(self) -> list[str]:
        return sorted(self.fake.messages())


@pytest.fixture(params=["sns", "fake"])
def notifier(request: pytest.FixtureRequest) -> SnsSide | FakeSnsSide:
    return SnsSide() if request.param == "sns" else FakeSnsSide()


def test_every_notification_is_sent_in_order_with_an_id(notifier: SnsSide | FakeSnsSide) -> None:
    notes = [
        Notification(subject="sfscan: Acme - 1 new violation", message=f"part {i}") for i in (1, 2)
    ]
    ids = notifier.port.publish(notes)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert notifier.received() == ["part 1", "part 2"]


class HubSide:
    def __init__(self) -> None:
        self.client = boto3.client("securityhub")
        self.client.enable_security_hub()
        self.port: SecurityHubPort = SecurityHubPublisher(self.client)

    def stored(self) -> dict[str, dict[str, Any]]:
        return {f["Id"]: f for f in self.client.get_findings()["Findings"]}


class FakeHubSide:
    def __init__(self) -> None:
        self.fake = FakeSecurityHub()
        self.port: SecurityHubPort = self.fake

    def stored(self) -> dict[str, dict[str, Any]]:
        return self.fake.findings


@pytest.fixture(params=["securityhub", "fake"])
def hub(request: pytest.FixtureRequest) -> HubSide | FakeHubSide:
    return HubSide() if request.param == "securityhub" else FakeHubSide()


def _asff(resource_id: str, *, passed: bool = False, seconds: int = 0) -> dict[str, Any]:
    finding = make_finding(resource_id=resource_id)
    if passed:
        finding = replace(finding, status=type(finding.status)("PASSED"))
    return build_asff_finding(
        make_tracked(finding, open=not passed),
        account_id=ACCOUNT,
        region=REGION,
        updated_at=PUBLISH_AT.replace(second=seconds),
        org_name="Acme",
    )


def test_imported_findings_are_held_by_id_and_a_newer_import_updates_them(
    hub: HubSide | FakeHubSide,
) -> None:
    first = [_asff(f"0055g00000AbC{i}EAAZ") for i in range(3)]
    report = hub.port.import_findings(first)
    assert (report.imported, report.failed) == (3, {})
    assert set(hub.stored()) == {f["Id"] for f in first}

    later = _asff("0055g00000AbC0EAAZ", passed=True, seconds=30)
    assert hub.port.import_findings([later]).imported == 1
    assert hub.stored()[later["Id"]]["RecordState"] == "ARCHIVED"
    assert len(hub.stored()) == 3


def test_a_refused_notification_raises_sns_publish_error(notifier: SnsSide | FakeSnsSide) -> None:
    if isinstance(notifier, SnsSide):
        boto3.client("sns").delete_topic(TopicArn=notifier.topic)
    else:
        notifier.fake.failures = 1
    with pytest.raises(SnsPublishError):
        notifier.port.publish([Notification(subject="sfscan: Acme", message="m")])
    assert notifier.received() == []


def test_a_finding_refused_by_security_hub_is_reported_and_the_rest_imported(
    hub: HubSide | FakeHubSide,
) -> None:
    good, refused = _asff("0055g00000AbC1EAAZ"), _asff("0055g00000AbC2EAAZ")
    if isinstance(hub, HubSide):  # Security Hub (and moto) refuse a finding without resources
        refused["Resources"] = []
    else:
        hub.fake.refuse[refused["Id"]] = "InvalidInput: refused"
    report = hub.port.import_findings([good, refused])
    assert report.imported == 1 and list(report.failed) == [refused["Id"]]
    assert set(hub.stored()) == {good["Id"]}
