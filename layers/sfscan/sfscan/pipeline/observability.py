"""What the handlers log and measure about a scan: the names the dashboard and alarms use.

Never includes credentials: a summary holds counts, ids and one-sentence errors only.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from sfscan.domain.findings import Severity

if TYPE_CHECKING:  # types only: the scan function never loads the publishing modules
    from aws_lambda_powertools import Metrics

    from sfscan.pipeline.publish import PublishReport
    from sfscan.store.items import ScanSummary


def scan_log_fields(summary: ScanSummary, already_done: bool) -> dict[str, Any]:
    return {
        "org_id": summary.org_id,
        "already_done": already_done,
        "error": summary.error,
        "opened": summary.opened,
        "resolved": summary.resolved,
        "open_violations": summary.open_violations,
        "api_calls": summary.api_calls,
        "superseded_by": summary.superseded_by,
    }


def emit_scan_metrics(metrics: Metrics, summary: ScanSummary) -> None:
    """OrgsScanned, ScanErrors, ApiCallsUsed, and Violations per severity (dimension)."""
    metrics.add_metric(name="OrgsScanned", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ScanErrors", unit=MetricUnit.Count, value=0 if summary.ok else 1)
    metrics.add_metric(name="ApiCallsUsed", unit=MetricUnit.Count, value=summary.api_calls or 0)
    # single_metric prints its own blob and, unlike Metrics, ignores the switch that turns
    # metrics off (the demo uses it), so honour it here.
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        return
    for name, count in sorted(summary.failed_by_severity.items()):
        if count and name in Severity.__members__:
            # Its own EMF blob, so the severity dimension does not split the other metrics.
            with single_metric(
                name="Violations",
                unit=MetricUnit.Count,
                value=count,
                default_dimensions=metrics.default_dimensions,
            ) as metric:
                metric.add_dimension(name="severity", value=name)


def publish_log_fields(report: PublishReport) -> dict[str, Any]:
    return {
        "skipped": report.skipped,
        "messages": report.messages,
        "opened": report.opened,
        "resolved": report.resolved,
        "imported": report.imported,
        "workflows_updated": report.workflows_updated,
        "recovered_scans": report.recovered,
    }


def emit_publish_metrics(metrics: Metrics, report: PublishReport) -> None:
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=report.messages)
    metrics.add_metric(name="FindingsImported", unit=MetricUnit.Count, value=report.imported)
    # Earlier scans whose publishing had failed for good and that this publish completed.
    metrics.add_metric(name="PublishesRecovered", unit=MetricUnit.Count, value=report.recovered)
