"""Scan: one org per SQS message. An org's own failure (bad secret, login refused, API limit) is
recorded in the table; only unexpected failures are reported back for retry and the DLQ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from sfscan.collect.deadline import lambda_scan_deadline
from sfscan.pipeline import runtime
from sfscan.pipeline.batch import PartialBatchResponse, process_partial_batch, sqs_item_id
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.pipeline.observability import emit_scan_metrics, scan_log_fields
from sfscan.pipeline.scan import scan_org

if TYPE_CHECKING:  # a type only (imports are this function's cold start)
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore", "requests"))  # AWS and Salesforce calls only
CONFIG = ScanConfig.from_env()  # validated once per cold start


@tracer.capture_method
def scan_record(record: dict[str, Any], lambda_context: LambdaContext | None = None) -> None:
    request = ScanRequest.from_json(record["body"])
    logger.set_correlation_id(request.scan_id)
    logger.append_keys(org_name=request.org_name)
    # Collection stops in time for the org's error to be recorded before Lambda kills us.
    with lambda_scan_deadline(lambda_context):
        report = scan_org(request, runtime.scan_runtime(CONFIG).deps, CONFIG)
    logger.info("org scanned", extra=scan_log_fields(report.summary, report.already_done))
    if not report.already_done:
        emit_scan_metrics(metrics, report.summary)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_partial_batch(event, lambda record: scan_record(record, context), sqs_item_id)
