"""OCSF output: one Compliance Finding (class 2003) per finding, built with py-ocsf-models.

Building each record through the library's pydantic models validates it against the OCSF schema
the library encodes (the same models Prowler uses), so a record that does not fit fails here, not
in Security Lake. Mapping (see docs/reports.md):

- ``compliance.status_id``: PASSED -> Pass, FAILED -> Fail, NOT_AVAILABLE -> Warning (OCSF: "did
  not yield a result due to missing information"), WARNING -> Other; our status is always in
  ``status_code`` too, so nothing is lost.
- ``status_id``: Suppressed for a suppressed finding, else New.
- ``time``: the evaluation time in milliseconds since the epoch (OCSF ``timestamp_t``).
"""

from __future__ import annotations

import json
from typing import Any

from py_ocsf_models.events.base_event import SeverityID, StatusID
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.events.findings.compliance_finding_type_id import ComplianceFindingTypeID
from py_ocsf_models.events.findings.finding import ActivityID, FindingInformation
from py_ocsf_models.objects.compliance import Compliance
from py_ocsf_models.objects.compliance_status import StatusID as ComplianceStatusID
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from sfscan import __version__
from sfscan.compliance import ComplianceMapping, load_mapping
from sfscan.domain.findings import Finding, Severity, Status
from sfscan.engine import ScanResult
from sfscan.report.order import ordered_findings

CONTROL_NAME = "OAuth Access Policies - Enforce IP Restrictions"

_COMPLIANCE_STATUS = {
    Status.PASSED: ComplianceStatusID.Pass,
    Status.FAILED: ComplianceStatusID.Fail,
    Status.NOT_AVAILABLE: ComplianceStatusID.Warning,
    Status.WARNING: ComplianceStatusID.Other,
}
_SEVERITY = {
    Severity.INFORMATIONAL: SeverityID.Informational,
    Severity.LOW: SeverityID.Low,
    Severity.MEDIUM: SeverityID.Medium,
    Severity.HIGH: SeverityID.High,
    Severity.CRITICAL: SeverityID.Critical,
}


def _resource_label(finding: Finding) -> str:
    return finding.resource_name or finding.resource_id


def _compliance(finding: Finding, mapping: ComplianceMapping) -> Compliance:
    names = {fw.key: fw.name for fw in mapping.frameworks}
    mapped = mapping.for_rule(finding.rule_id)
    return Compliance(
        control=finding.rule_id,
        desc=finding.title,
        requirements=[CONTROL_NAME, *mapping.labelled(finding.rule_id)],
        standards=[names[key] for key in names if mapped.get(key)],
        status_id=_COMPLIANCE_STATUS[finding.status],
    )


def _record(
    finding: Finding, result: ScanResult, mapping: ComplianceMapping, time_ms: int
) -> ComplianceFinding:
    status = StatusID.Suppressed if finding.suppressed else StatusID.New
    severity = _SEVERITY[finding.severity]
    remediation = finding.remediation
    return ComplianceFinding(
        activity_id=ActivityID.Create,
        activity_name=ActivityID.Create.name,
        type_uid=ComplianceFindingTypeID.Create,
        type_name=f"Compliance Finding: {ComplianceFindingTypeID.Create.name}",
        time=time_ms,
        message=finding.detail,
        severity_id=severity,
        severity=severity.name,
        status_id=status,
        status=status.name,
        status_code=finding.status.value,
        status_detail=finding.detail,
        compliance=_compliance(finding, mapping),
        finding_info=FindingInformation(
            uid=f"sfscan/{finding.key}",
            title=f"{finding.rule_id} {finding.title}: {_resource_label(finding)}",
            desc=finding.detail,
            types=[finding.rule_id],
            created_time=time_ms,
        ),
        remediation=Remediation(
            desc=remediation.text or "See the linked guidance.",
            references=[remediation.url] if remediation.url else None,
        ),
        resources=[
            ResourceDetails(
                uid=finding.resource_id,
                name=finding.resource_name or None,
                type=finding.resource_type,
                data={"evidence": finding.evidence},
            )
        ],
        metadata=Metadata(
            event_code=finding.rule_id,
            tenant_uid=finding.org_id,
            product=Product(name="sfscan", uid="sfscan", vendor_name="sfscan", version=__version__),
        ),
        unmapped={
            "org_name": result.org_name,
            "suppressed": finding.suppressed,
            "compliance": mapping.for_rule(finding.rule_id),
        },
    )


def ocsf_records(result: ScanResult) -> list[dict[str, Any]]:
    """The findings as OCSF Compliance Finding dicts (JSON-ready, None fields left out)."""
    mapping = load_mapping()
    time_ms = int(result.evaluated_at.timestamp() * 1000)
    return [
        _record(finding, result, mapping, time_ms).model_dump(mode="json", exclude_none=True)
        for finding in ordered_findings(result.findings)
    ]


def render_ocsf(result: ScanResult) -> str:
    return json.dumps(ocsf_records(result), indent=2, ensure_ascii=False) + "\n"
