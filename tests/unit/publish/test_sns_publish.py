"""Notifications through SNS: what a subscriber receives, and errors that say what to fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from publish_builders import ORG_ID, ORG_NAME, REGION, SCAN_AT, make_finding, make_tracked, resolved
from sfscan.domain.errors import SfscanError
from sfscan.publish.errors import SnsPublishError
from sfscan.publish.notify import Notification, build_notifications
from sfscan.publish.sns import SnsPublisher, message_attributes


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)


def subscribe_queue(sns: Any, sqs: Any, topic_arn: str, name: str, **attributes: str) -> str:
    """A queue subscribed with raw delivery off: the body is the SNS envelope, as e-mail sees."""
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "false", **attributes},
    )
    return str(queue_url)


def received(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def notifications() -> list[Notification]:
    return build_notifications(
        org_id=ORG_ID,
        org_name=ORG_NAME,
        scan_id="scan-2026-11-28",
        scanned_at=SCAN_AT,
        opened=[
            make_tracked(make_finding("SF-IU-01")),
            make_tracked(make_finding("SF-CA-01", resource_id="Acme_ETL", resource_name="ETL")),
        ],
        resolved=[resolved(make_finding("SF-ORG-01", resource_id=ORG_ID))],
    )


def test_subscriber_receives_subject_message_and_attributes(aws: tuple[Any, Any]) -> None:
    sns, sqs = aws
    topic_arn = sns.create_topic(Name="sfscan-findings")["TopicArn"]
    queue_url = subscribe_queue(sns, sqs, topic_arn, "inbox")
    [note] = notifications()

    message_ids = SnsPublisher(sns, topic_arn).publish([note])

    [envelope] = received(sqs, queue_url)
    assert message_ids == [envelope["MessageId"]]
    assert envelope["Subject"] == "sfscan: Acme Corporation - 2 new violations, 1 resolved"
    assert envelope["Message"] == note.message
    assert envelope["MessageAttributes"] == {
        "severity": {"Type": "String", "Value": "CRITICAL"},
        "org_id": {"Type": "String", "Value": ORG_ID},
        "rule_id": {"Type": "String.Array", "Value": '["SF-CA-01", "SF-IU-01", "SF-ORG-01"]'},
    }


def test_subscription_filters_on_severity_and_rule_ids_work(aws: tuple[Any, Any]) -> None:
    sns, sqs = aws
    topic_arn = sns.create_topic(Name="sfscan-findings")["TopicArn"]
    pager = subscribe_queue(
        sns, sqs, topic_arn, "pager", FilterPolicy=json.dumps({"severity": ["CRITICAL"]})
    )
    apps_team = subscribe_queue(
        sns, sqs, topic_arn, "apps", FilterPolicy=json.dumps({"rule_id": ["SF-CA-01"]})
    )
    nobody = subscribe_queue(
        sns, sqs, topic_arn, "net", FilterPolicy=json.dumps({"rule_id": ["SF-NET-01"]})
    )

    SnsPublisher(sns, topic_arn).publish(notifications())

    assert len(received(sqs, pager)) == 1
    assert len(received(sqs, apps_team)) == 1  # matched one element of the String.Array
    assert received(sqs, nobody) == []


def test_several_parts_are_published_in_order(aws: tuple[Any, Any]) -> None:
    sns, sqs = aws
    topic_arn = sns.create_topic(Name="sfscan-findings")["TopicArn"]
    queue_url = subscribe_queue(sns, sqs, topic_arn, "inbox")
    parts = [
        Notification(subject=f"part {i}", message=f"body {i}", attributes={"org_id": ORG_ID})
        for i in (1, 2, 3)
    ]

    ids = SnsPublisher(sns, topic_arn).publish(parts)

    assert len(set(ids)) == 3
    assert sorted(e["Subject"] for e in received(sqs, queue_url)) == ["part 1", "part 2", "part 3"]


def test_missing_topic_is_named_in_the_error(aws: tuple[Any, Any]) -> None:
    sns, _ = aws
    missing = f"arn:aws:sns:{REGION}:123456789012:no-such-topic"

    with pytest.raises(SnsPublishError, match="no-such-topic") as raised:
        SnsPublisher(sns, missing).publish(notifications())
    assert isinstance(raised.value, SfscanError)


class DeniedSns:
    def __init__(self, code: str, succeed_first: int = 0) -> None:
        self.code = code
        self.succeed_first = succeed_first

    def publish(self, **_: Any) -> dict[str, str]:
        if self.succeed_first:
            self.succeed_first -= 1
            return {"MessageId": "m-1"}
        raise ClientError(
            {"Error": {"Code": self.code, "Message": "User is not authorized"}}, "Publish"
        )


def test_access_denied_names_the_topic_and_the_missing_permission() -> None:
    topic = f"arn:aws:sns:{REGION}:123456789012:sfscan-findings"

    with pytest.raises(SnsPublishError) as raised:
        SnsPublisher(DeniedSns("AuthorizationError", succeed_first=1), topic).publish(
            notifications() * 2
        )

    assert topic in str(raised.value)
    assert "sns:Publish" in str(raised.value)
    assert raised.value.sent_message_ids == ("m-1",)  # what went out before the refusal


def test_kms_refusal_names_the_key_permissions() -> None:
    topic = f"arn:aws:sns:{REGION}:123456789012:sfscan-findings"

    with pytest.raises(SnsPublishError, match="kms:GenerateDataKey"):
        SnsPublisher(DeniedSns("KMSAccessDenied"), topic).publish(notifications())


def test_attribute_types_follow_the_values() -> None:
    assert message_attributes({"severity": "HIGH", "rule_id": ["SF-IU-01"], "empty": []}) == {
        "severity": {"DataType": "String", "StringValue": "HIGH"},
        "rule_id": {"DataType": "String.Array", "StringValue": '["SF-IU-01"]'},
    }
