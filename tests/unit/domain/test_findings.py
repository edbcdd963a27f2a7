"""Findings, statuses and severities as CONTROL.md defines them."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status

from tests.builders import CONTROL_FINDING_FIELDS


def make() -> Finding:
    return Finding(
        rule_id="SF-CA-01",
        org_id="00D5g000004TESTAAA",
        resource_type="ConnectedApp",
        resource_id="Legacy_ETL",
        resource_name="Legacy ETL",
        status=Status.FAILED,
        severity=Severity.HIGH,
        title="Connected app relaxes IP restrictions",
        detail="Set Legacy ETL's IP relaxation to Enforce.",
        remediation=Remediation(
            text="Enforce IP restrictions.", url="https://help.salesforce.com/x"
        ),
        evidence={"ipRelaxation": "BYPASS"},
    )


def test_statuses_are_the_asff_compliance_statuses() -> None:
    assert [s.value for s in Status] == ["PASSED", "FAILED", "WARNING", "NOT_AVAILABLE"]


def test_severities_are_ordered() -> None:
    assert Severity.CRITICAL.at_least(Severity.HIGH)
    assert Severity.HIGH.at_least(Severity.HIGH)
    assert not Severity.MEDIUM.at_least(Severity.HIGH)
    assert max(Severity, key=lambda s: s.rank) is Severity.CRITICAL


def test_to_dict_carries_every_control_field_and_round_trips() -> None:
    finding = make()
    data = finding.to_dict()
    assert set(data) == CONTROL_FINDING_FIELDS
    assert data["remediation"] == {
        "text": "Enforce IP restrictions.",
        "url": "https://help.salesforce.com/x",
    }
    assert data["status"] == "FAILED" and data["suppressed"] is False
    assert Finding.from_dict(data) == finding


def test_key_is_stable_across_scans_and_suppression() -> None:
    finding = make()
    suppressed = finding.with_suppressed(True)
    assert suppressed.suppressed and not finding.suppressed
    assert suppressed.key == finding.key == "00D5g000004TESTAAA/SF-CA-01/Legacy_ETL"
