"""Publish: for each scan summary the table stream inserts, notify SNS once per org and scan and
import the org's changed and still-open findings into Security Hub."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from sfscan.pipeline import runtime
from sfscan.pipeline.config import PublishConfig
from sfscan.pipeline.observability import emit_publish_metrics, publish_log_fields
from sfscan.pipeline.publish import publish_scan, summary_from_stream_record

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore",))  # patch only what it calls: no import of the rest
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
CONFIG = PublishConfig.from_env()  # validated once per cold start


@tracer.capture_method
def publish_record(record: DynamoDBRecord, lambda_context: LambdaContext) -> None:
    summary = summary_from_stream_record(record.raw_event)
    if summary is None:  # not a scan summary insert (the event filter should not pass it)
        return
    logger.set_correlation_id(summary.scan_id)
    logger.append_keys(org_name=summary.org_name)
    deps = runtime.publish_runtime(CONFIG, lambda_context.invoked_function_arn)
    report = publish_scan(summary, deps)
    logger.info("scan published", extra=publish_log_fields(report))
    emit_publish_metrics(metrics, report)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=publish_record, processor=processor, context=context
    )
