"""``sfscan publish`` on moto: by hand for an org, and as a redrive of the failure queue, after
the publish function failed every retry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pipeline_fixtures import REGION, FakeContext, World, handler_world, load_handler
from sfscan.cli import aws as cli_aws
from sfscan.cli.main import main
from sfscan.publish.errors import SnsPublishError
from sfscan.publish.sns import SnsPublisher

S1 = "20261128T030000Z-aaaa0001"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with handler_world(monkeypatch) as w:
        real_client = cli_aws.Aws.client

        def client(self: cli_aws.Aws, service: str) -> Any:
            if service == "dynamodbstreams":  # moto in process needs the endpoint spelled out
                return w.session.client(
                    service, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
                )
            return real_client(self, service)

        monkeypatch.setattr(cli_aws.Aws, "client", client)
        yield w


def _fail_every_publish(world: World, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Scan S1, then let SNS refuse every attempt; the records that would reach the queue."""

    def sns_down(*_a: Any, **_k: Any) -> Any:
        raise SnsPublishError("SNS refused a notification (KMS.DisabledException)")

    world.scan(S1)
    records = world.stream.new_records()
    with monkeypatch.context() as m:
        m.setattr(SnsPublisher, "publish", sns_down)
        out = load_handler("publish").handler({"Records": records}, FakeContext())
        assert out["batchItemFailures"]  # retried, then sent to the failure queue
    assert world.mails() == []
    return records


def _args(world: World, *extra: str) -> list[str]:
    return ["publish", *extra, "--table", world.aws.table, "--topic-arn", world.aws.topic_arn]


def test_publish_by_hand_sends_what_failed_and_nothing_twice(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail_every_publish(world, monkeypatch)
    assert main(_args(world, "--org", "demo")) == 0
    [mail] = world.mails()
    assert "1 new violation" in mail["Subject"] and "Acme ETL" in mail["Message"]
    assert len(world.hub()) == 1
    assert "1 message(s) (1 new, 0 resolved)" in capsys.readouterr().out

    assert main(_args(world, "--org", "demo")) == 0
    assert "nothing to do" in capsys.readouterr().out and world.mails() == []
    assert main(_args(world, "--org", "demo", "--scan-id", S1)) == 0
    assert "already published" in capsys.readouterr().out and world.mails() == []


def test_an_unknown_scan_is_a_clear_input_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(world, "--org", "demo", "--scan-id", "nope")) == 2
    assert "org demo has no scan nope" in capsys.readouterr().err


def test_redriving_the_failure_queue_publishes_the_failed_batch(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _fail_every_publish(world, monkeypatch)
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    shards = world.stream.client.describe_stream(StreamArn=world.stream.arn)
    [shard] = shards["StreamDescription"]["Shards"]
    # What Lambda sends to the on-failure destination of a stream event source mapping.
    failure = {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "version": "1.0",
        "DDBStreamBatchInfo": {
            "shardId": shard["ShardId"],
            "startSequenceNumber": str(min(sequence)),
            "endSequenceNumber": str(max(sequence)),
            "batchSize": len(records),
            "streamArn": world.stream.arn,
        },
    }
    sqs = world.session.client("sqs")
    queue = sqs.create_queue(QueueName="publish-failures")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(failure))

    assert main(_args(world, "--failure-queue", queue)) == 0
    [mail] = world.mails()
    assert "Acme ETL" in mail["Message"]
    assert "1 failure message(s) redriven" in capsys.readouterr().err
    assert sqs.receive_message(QueueUrl=queue).get("Messages") is None
