"""docs/publishing.md shows a real e-mail and a real ASFF finding: this keeps them true."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.publish.asff import build_asff_finding
from sfscan.publish.asff_validate import validate_finding
from sfscan.publish.notify import build_notifications
from sfscan.publish.workflow import suppression_note

DOC = Path(__file__).resolve().parents[3] / "docs" / "publishing.md"
ORG_ID = "00D5g000004XyZaEAK"
HELP = "https://help.salesforce.com/s/articleView?id={}&type=5"
FIRST_SEEN = datetime(2026, 11, 21, 2, 0, 12, tzinfo=UTC)
SCANNED_AT = datetime(2026, 11, 28, 2, 0, 9, tzinfo=UTC)
PUBLISHED_AT = datetime(2026, 11, 28, 2, 0, 41, 318000, tzinfo=UTC)


def _finding(rule_id: str, **fields: object) -> Finding:
    base = Finding(
        rule_id=rule_id,
        org_id=ORG_ID,
        resource_type="User",
        resource_id="",
        resource_name="",
        status=Status.FAILED,
        severity=Severity.HIGH,
        title="",
        detail="",
        remediation=Remediation(text="", url=""),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


ETL_USER = _finding(
    "SF-IU-01",
    resource_id="0055g00000J1tKQAAZ",
    resource_name="etl.integration@acme.example",
    severity=Severity.CRITICAL,
    title="Integration user is not API Only",
    detail="etl.integration@acme.example is an integration user (license, run-as) but can log "
    "in to the Salesforce UI: neither its profile nor any active permission set grants API Only.",
    remediation=Remediation(
        text="Give the user the Salesforce Integration licence with the 'Minimum Access - API "
        "Only Integrations' profile, or assign a permission set that enables 'API Only User'.",
        url=HELP.format("platform.integration_user.htm"),
    ),
    evidence={"reasons": ["license", "run-as"], "api_only_from": []},
)
VENDOR_APP = _finding(
    "SF-CA-01",
    resource_type="ConnectedApp",
    resource_id="Vendor_Sync",
    resource_name="Vendor Sync",
    title="Connected app relaxes IP restrictions",
    detail="Connected app Vendor Sync has IP Relaxation 'BYPASS': its OAuth tokens work from "
    "any network.",
    remediation=Remediation(
        text="In Setup > Connected Apps > Manage > Edit Policies, set IP Relaxation to 'Enforce "
        "IP restrictions' and make sure the users' profiles have Login IP Ranges.",
        url=HELP.format("xcloud.connected_app_continuous_ip.htm"),
    ),
)
SESSION = _finding(
    "SF-ORG-01",
    resource_type="Org",
    resource_id=ORG_ID,
    resource_name="Acme Corporation",
    severity=Severity.MEDIUM,
    title="Login IP Ranges are not enforced on every request",
    detail="Org Acme Corporation checks Login IP Ranges only at login, not on every request.",
    remediation=Remediation(
        text="In Setup > Session Settings, select 'Enforce login IP ranges on every request'.",
        url=HELP.format("xcloud.admin_sessions.htm"),
    ),
)
FIXED = _finding(
    "SF-IU-02",
    resource_id="0055g00000K9pLmAAB",
    resource_name="reports.bot@acme.example",
    status=Status.PASSED,
    title="Integration user's profile has no Login IP Range",
    detail="The profile of reports.bot@acme.example has 1 Login IP Range.",
)


def tracked(finding: Finding, transition: Transition = Transition.OPENED) -> TrackedFinding:
    return TrackedFinding(
        finding=finding,
        open=finding.status is Status.FAILED,
        first_seen=FIRST_SEEN,
        last_seen=SCANNED_AT,
        status_changed_at=SCANNED_AT,
        transition=transition,
        scan_id="2026-11-28T02:00:00Z",
    )


def example_email() -> str:
    [note] = build_notifications(
        org_id=ORG_ID,
        org_name="Acme Corporation",
        scan_id="2026-11-28T02:00:00Z",
        scanned_at=SCANNED_AT,
        opened=[tracked(SESSION), tracked(ETL_USER), tracked(VENDOR_APP)],
        resolved=[tracked(FIXED, Transition.RESOLVED)],
    )
    attributes = json.dumps(note.attributes)
    return f"Subject: {note.subject}\nAttributes: {attributes}\n\n{note.message}"


def example_asff() -> str:
    finding = build_asff_finding(
        tracked(ETL_USER),
        account_id="123456789012",
        region="eu-west-1",
        updated_at=PUBLISHED_AT,
        org_name="Acme Corporation",
        instance_url="https://acme.my.salesforce.com",
    )
    assert validate_finding(finding) == []
    return json.dumps(finding, indent=2)


def test_the_documented_email_is_what_the_code_sends() -> None:
    assert example_email() in DOC.read_text(encoding="utf-8")


def test_the_documented_security_hub_finding_is_what_the_code_sends() -> None:
    assert example_asff() in DOC.read_text(encoding="utf-8")


def test_the_documented_workflow_notes_are_what_the_code_sends() -> None:
    doc = DOC.read_text(encoding="utf-8")
    risk = AcceptedRisk(reason="CHG-4711 vendor VPN", expires=datetime(2027, 3, 31, tzinfo=UTC))
    suppressed = replace(tracked(replace(VENDOR_APP, suppressed=True)), accepted_risk=risk)
    assert f"`{suppression_note(suppressed)}`" in doc
    ended = suppression_note(tracked(VENDOR_APP))
    start, _, end = ended.partition(" (it expired or was removed from the org's sfscan settings)")
    assert f"`{start} (...){end}`" in doc  # the doc abridges the middle


if __name__ == "__main__":  # print the examples to paste into the doc
    print(example_email())
    print("=====")
    print(example_asff())
