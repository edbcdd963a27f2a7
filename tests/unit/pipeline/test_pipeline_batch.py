"""Partial batch responses (sfscan.pipeline.batch): what Lambda retries when some or all records
of an SQS or DynamoDB stream batch fail, on the example events the functions receive."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from sfscan.pipeline.batch import process_partial_batch, sqs_item_id, stream_item_id

EVENTS = Path(__file__).resolve().parents[3] / "events"


def _event(name: str, copies: int) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    [record] = event["Records"][:1]
    event["Records"] = [copy.deepcopy(record) for _ in range(copies)]
    for n, rec in enumerate(event["Records"]):
        if "messageId" in rec:
            rec["messageId"] = f"msg-{n}"
        else:
            rec["dynamodb"]["SequenceNumber"] = f"{n:021d}"
    return event


def _fail_the_second(seen: list[int]) -> Any:
    def handle(record: dict[str, Any]) -> None:
        seen.append(len(seen))
        if len(seen) == 2:
            raise RuntimeError("table unreachable")

    return handle


def test_only_the_failed_sqs_message_is_retried_and_the_others_still_run() -> None:
    seen: list[int] = []
    out = process_partial_batch(_event("scan.json", 3), _fail_the_second(seen), sqs_item_id)
    assert out == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert seen == [0, 1, 2]


def test_a_failed_stream_record_is_reported_by_its_sequence_number() -> None:
    seen: list[int] = []
    out = process_partial_batch(_event("publish.json", 3), _fail_the_second(seen), stream_item_id)
    assert out == {"batchItemFailures": [{"itemIdentifier": f"{1:021d}"}]}


def test_a_batch_that_succeeds_reports_nothing() -> None:
    assert process_partial_batch(_event("scan.json", 2), lambda _r: None, sqs_item_id) == {
        "batchItemFailures": []
    }
    assert process_partial_batch({"Records": []}, lambda _r: None, sqs_item_id) == {
        "batchItemFailures": []
    }


def test_when_every_record_fails_the_invocation_fails_with_each_error() -> None:
    def handle(record: dict[str, Any]) -> None:
        raise ValueError(f"bad body in {record['messageId']}")

    with pytest.raises(BatchProcessingError) as raised:
        process_partial_batch(_event("scan.json", 2), handle, sqs_item_id)
    errors = [str(exc) for _type, exc, _tb in raised.value.child_exceptions]
    assert errors == ["bad body in msg-0", "bad body in msg-1"]
    assert "bad body in msg-1" in str(raised.value)  # the traceback of each is in the log line


def test_an_event_that_is_not_a_batch_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'Records'"):
        process_partial_batch({"orgs": ["acme"]}, lambda _r: None, sqs_item_id)
