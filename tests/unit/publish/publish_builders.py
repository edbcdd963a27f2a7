"""Builders for publishing tests: findings as the store hands them to the publishers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding, Transition

ACCOUNT = "123456789012"
REGION = "us-east-1"
ORG_ID = "00D5g000001AbCdEAK"
ORG_NAME = "Acme Corporation"
FIRST_SEEN = datetime(2026, 11, 1, 3, 0, 5, tzinfo=UTC)
SCAN_AT = datetime(2026, 11, 28, 3, 0, 5, tzinfo=UTC)
PUBLISH_AT = SCAN_AT + timedelta(seconds=30)

_RULES: dict[str, tuple[str, Severity, str]] = {
    "SF-IU-01": ("Integration user can log in to the UI (not API Only)", Severity.CRITICAL, "User"),
    "SF-IU-02": ("Integration user's profile has no Login IP Range", Severity.HIGH, "User"),
    "SF-IU-05": ("Integration user's profile is shared with people", Severity.MEDIUM, "User"),
    "SF-CA-01": ("Connected app relaxes IP restrictions", Severity.HIGH, "ConnectedApp"),
    "SF-ORG-01": ("IP ranges are not enforced on every request", Severity.MEDIUM, "Org"),
    "SF-NET-01": ("API logins from outside the company network", Severity.HIGH, "User"),
}


def make_finding(
    rule_id: str = "SF-IU-01",
    *,
    resource_id: str = "0055g00000AbCdEAAZ",
    resource_name: str = "etl@acme.example",
    status: Status = Status.FAILED,
    severity: Severity | None = None,
    detail: str | None = None,
    evidence: dict[str, Any] | None = None,
    suppressed: bool = False,
) -> Finding:
    title, rule_severity, resource_type = _RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        org_id=ORG_ID,
        resource_type=resource_type,
        resource_id=resource_id,
        resource_name=resource_name,
        status=status,
        severity=severity or rule_severity,
        title=title,
        detail=detail
        if detail is not None
        else f"{resource_name} is an integration user (license, run-as) without API Only.",
        remediation=Remediation(
            text="Give the user a profile or permission set with 'API Only User'.",
            url="https://help.salesforce.com/s/articleView?id=sf.integration_user.htm",
        ),
        evidence=evidence if evidence is not None else {"reasons": ["license", "run-as"]},
        suppressed=suppressed,
    )


def make_tracked(
    finding: Finding | None = None,
    *,
    open: bool | None = None,
    transition: Transition | None = None,
    first_seen: datetime = FIRST_SEEN,
    last_seen: datetime = SCAN_AT,
) -> TrackedFinding:
    finding = finding or make_finding()
    failed = finding.status is Status.FAILED
    return TrackedFinding(
        finding=finding,
        open=failed if open is None else open,
        first_seen=first_seen,
        last_seen=last_seen,
        status_changed_at=first_seen,
        transition=transition or (Transition.OPENED if failed else Transition.UNCHANGED),
        scan_id="scan-2026-11-28",
    )


def resolved(finding: Finding) -> TrackedFinding:
    """A violation that the last scan judged PASSED."""
    return make_tracked(
        replace(finding, status=Status.PASSED), open=False, transition=Transition.RESOLVED
    )
