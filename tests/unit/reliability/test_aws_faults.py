"""AWS faults the pipeline's own tests do not inject, through the real handlers on moto:
DynamoDB throttling (botocore's retries, then the org's error) and a poison stream record."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.awsrequest import AWSResponse
from pipeline_fixtures import FakeContext, World, handler_world, load_handler
from sfscan.pipeline import runtime

S1 = "20261128T030000Z-aaaa0001"
THROTTLED = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
    b'"message":"The level of configured provisioned throughput for the table was exceeded."}'
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Throttle:
    """Answers ``operation`` calls of the scan function's DynamoDB client with a throttling
    error, ``times`` times (None: always); everything else reaches moto."""

    def __init__(self, operation: str, times: int | None) -> None:
        self.operation, self.left, self.sent = operation, times, 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith("." + self.operation):
            return None
        if self.left is not None and self.left <= 0:
            return None
        if self.left is not None:
            self.left -= 1
        self.sent += 1
        headers = {"x-amzn-RequestId": "throttle", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, _Raw(THROTTLED))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with handler_world(monkeypatch) as w:
        yield w


def _throttle_scan_writes(monkeypatch: pytest.MonkeyPatch, throttle: Throttle) -> None:
    original = runtime.client

    def client(service: str) -> Any:
        made = original(service)
        if service == "dynamodb":
            made.meta.events.register_first("before-send.dynamodb", throttle)
        return made

    monkeypatch.setattr(runtime, "client", client)
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda _s: None)  # back-off, not waited
    runtime.reset()


def test_dynamodb_throttling_is_retried_by_botocore_and_the_scan_completes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle = Throttle("TransactWriteItems", times=2)
    _throttle_scan_writes(monkeypatch, throttle)
    assert world.scan(S1) == {"batchItemFailures": []}
    assert throttle.sent == 2  # both throttled attempts happened and were retried
    summary = world.store.get_summary("demo", S1)
    assert summary is not None and summary.ok and summary.opened == 1


def test_dynamodb_throttled_on_every_attempt_is_the_orgs_error_and_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle = Throttle("TransactWriteItems", times=None)
    _throttle_scan_writes(monkeypatch, throttle)
    with pytest.raises(BatchProcessingError):  # the message is retried, then dead-lettered
        world.scan(S1)
    assert throttle.sent >= 5  # botocore's standard mode tried 5 times per call
    [latest] = world.store.latest_scans()
    assert latest.org_name == "demo" and not latest.ok and latest.error_kind == "internal"
    assert "ProvisionedThroughputExceeded" in latest.error
    assert world.store.get_summary("demo", S1) is None  # the scan is not recorded as done


def test_a_poison_stream_record_does_not_block_the_batch(world: World) -> None:
    world.scan(S1)
    records = world.stream.event()["Records"]
    [summary] = [
        r for r in records if r["dynamodb"].get("NewImage", {}).get("item_type") == {"S": "scan"}
    ]
    poison = copy.deepcopy(summary)
    poison["eventID"] = "poison-1"
    poison["dynamodb"]["SequenceNumber"] = "1"
    poison["dynamodb"]["NewImage"]["started_at"] = {"S": "not a time"}
    poison["dynamodb"]["NewImage"]["scan_id"] = {"S": "20261128T030000Z-poison00"}
    out = load_handler("publish").handler({"Records": [poison, *records]}, FakeContext())
    # Only the poison record is reported: retried by the event source, then the failure queue.
    assert out == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    [mail] = world.mails()  # the good summary in the same batch was published
    assert "Acme ETL" in mail["Message"]
