"""Publish: for each scan summary the table stream inserts, notify SNS once per org and scan and
import the org's changed and still-open findings into Security Hub."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from sfscan.pipeline import runtime
from sfscan.pipeline.batch import PartialBatchResponse, process_partial_batch, stream_item_id
from sfscan.pipeline.config import PublishConfig
from sfscan.pipeline.observability import emit_publish_metrics, publish_log_fields
from sfscan.pipeline.publish import publish_scan, summary_from_stream_record

if TYPE_CHECKING:  # a type only (imports are this function's cold start)
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore",))  # patch only what it calls: no import of the rest
CONFIG = PublishConfig.from_env()  # validated once per cold start


@tracer.capture_method
def publish_record(record: dict[str, Any], lambda_context: LambdaContext) -> None:
    summary = summary_from_stream_record(record)
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
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_partial_batch(
        event, lambda record: publish_record(record, context), stream_item_id
    )
