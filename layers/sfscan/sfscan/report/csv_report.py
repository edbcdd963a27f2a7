"""The CSV report: one row per finding, for spreadsheets and ticket imports."""

from __future__ import annotations

import csv
import io
import json

from sfscan.compliance import ComplianceMapping, load_mapping
from sfscan.domain.findings import Finding
from sfscan.engine import ScanResult
from sfscan.report.order import ordered_findings

CSV_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "org_id",
    "resource_type",
    "resource_id",
    "resource_name",
    "status",
    "severity",
    "title",
    "detail",
    "evidence",
    "remediation_text",
    "remediation_url",
    "suppressed",
    "compliance",
)


def _row(finding: Finding, mapping: ComplianceMapping) -> dict[str, str]:
    return {
        "rule_id": finding.rule_id,
        "org_id": finding.org_id,
        "resource_type": finding.resource_type,
        "resource_id": finding.resource_id,
        "resource_name": finding.resource_name,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "title": finding.title,
        "detail": finding.detail,
        # Compact and key-sorted so two scans of the same org diff cleanly.
        "evidence": json.dumps(
            finding.evidence, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str
        ),
        "remediation_text": finding.remediation.text,
        "remediation_url": finding.remediation.url,
        "suppressed": "true" if finding.suppressed else "false",
        # "NIST.800-53.r5 AC-3; CIS Controls v8 5.5; ...": one cell a spreadsheet can filter on.
        "compliance": "; ".join(mapping.labelled(finding.rule_id)),
    }


def render_csv(result: ScanResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    mapping = load_mapping()
    for finding in ordered_findings(result.findings):
        writer.writerow(_row(finding, mapping))
    return buffer.getvalue()
