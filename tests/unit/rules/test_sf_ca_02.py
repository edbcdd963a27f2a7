"""SF-CA-02: external client apps must enforce IP restrictions."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import make_eca, make_eca_policy, make_snapshot, run_rule


def judge(*policies, apps=(), **kwargs):
    snapshot = make_snapshot(
        metadata={
            "ExtlClntAppOauthConfigurablePolicies": policies,
            "ExternalClientApplication": apps,
        },
        **kwargs,
    )
    return run_rule("SF-CA-02", snapshot)


@pytest.mark.parametrize(
    ("value", "status", "severity"),
    [
        ("Enforce", Status.PASSED, Severity.HIGH),
        ("ENFORCE", Status.PASSED, Severity.HIGH),
        ("Bypass", Status.FAILED, Severity.HIGH),
        ("Bypass_2factor", Status.FAILED, Severity.MEDIUM),
        ("Enforce_relaxrefresh", Status.FAILED, Severity.MEDIUM),
        ("Sometimes", Status.NOT_AVAILABLE, Severity.HIGH),
        (None, Status.NOT_AVAILABLE, Severity.HIGH),
    ],
)
def test_ip_relaxation_policy_grading(value, status, severity):
    result = judge(
        make_eca_policy("Acme_Sync", ip_relaxation=value), apps=[make_eca("Acme_Sync", "Acme Sync")]
    )
    finding = result.findings[0]
    assert (finding.status, finding.severity) == (status, severity)
    assert finding.resource_type == "ExternalClientApp"
    assert (finding.resource_id, finding.resource_name) == ("Acme_Sync", "Acme Sync")


def test_unreadable_policy_item_is_not_available_and_incomplete():
    result = judge(
        unavailable={"metadata:ExtlClntAppOauthConfigurablePolicies:X_oauthPlcy": "denied"}
    )
    assert [(f.resource_id, f.status) for f in result.findings] == [
        ("X", Status.NOT_AVAILABLE)  # the app's developer name, as when it is readable
    ]
    assert "SF-CA-02" in result.incomplete_rules


def test_policies_not_collected_is_not_available():
    result = judge(omit=["metadata:ExtlClntAppOauthConfigurablePolicies"])
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
