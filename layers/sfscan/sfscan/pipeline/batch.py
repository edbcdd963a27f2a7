"""Partial batch responses for the scan (SQS) and publish (DynamoDB stream) functions.

The contract of Powertools' ``BatchProcessor`` with ``process_partial_response``, in the few lines
our two event sources need: each record is handled on its own; the ones that raise are reported
in ``batchItemFailures`` (SQS: the message id; DynamoDB stream: the sequence number), so Lambda
retries only them; when every record fails, Powertools' ``BatchProcessingError`` (carrying each
record's exception) fails the invocation, so the whole batch is retried and, in the end, kept in
the dead-letter or failure queue.

Why not Powertools' own: importing its batch utility loads every one of its ~40 event-source
data classes (Kinesis Firehose, CodePipeline, Kafka, ...): about 9 ms of CPU at each cold start
of these two functions (measured after the X-Ray SDK's own imports), for a loop of a dozen lines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TypedDict


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


Record = dict[str, Any]


def sqs_item_id(record: Record) -> str:
    return str(record["messageId"])


def stream_item_id(record: Record) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def process_partial_batch(
    event: Mapping[str, Any],
    handle: Callable[[Record], object],
    item_id: Callable[[Record], str],
) -> PartialBatchResponse:
    """Handle each record of ``event["Records"]``; report the ones that raised."""
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError(
            "the event has no 'Records' list: this function takes an SQS or DynamoDB stream "
            "batch (see the events/ directory for examples)"
        )
    failures: list[ItemFailure] = []
    errors: list[Any] = []
    for record in records:
        try:
            handle(record)
        except Exception:
            failures.append({"itemIdentifier": item_id(record)})
            errors.append(sys.exc_info())
    if errors and len(errors) == len(records):
        # Loaded on this path only: the package's import is the cost this module avoids.
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        raise BatchProcessingError(
            msg=f"All records failed processing. {len(errors)} individual errors below.",
            child_exceptions=errors,
        )
    return {"batchItemFailures": failures}
