"""Dispatch: start a scan run. Invoked by EventBridge Scheduler, or by hand with
``{"orgs": ["acme-prod"]}`` to scan some orgs now (see events/dispatch.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from sfscan.pipeline import runtime
from sfscan.pipeline.config import DispatchConfig
from sfscan.pipeline.dispatch import dispatch_scan_run

if TYPE_CHECKING:  # a type only (imports are this function's cold start)
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore",))  # patch only what it calls: no import of the rest
CONFIG = DispatchConfig.from_env()  # validated once per cold start


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = runtime.dispatch_runtime(CONFIG)
    result = dispatch_scan_run(
        event or {}, list_orgs=deps.list_orgs, queue=deps.queue, now=runtime.utc_now()
    )
    logger.set_correlation_id(result.scan_id)
    logger.info("scan run dispatched", extra={"orgs": len(result.orgs)})
    metrics.add_metric(name="OrgsDispatched", unit=MetricUnit.Count, value=len(result.orgs))
    return {"scan_id": result.scan_id, "orgs": list(result.orgs)}
