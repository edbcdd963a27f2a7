"""SF-CA-01: connected apps must enforce IP restrictions."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import (
    by_resource,
    make_connected_app,
    make_connected_application,
    make_snapshot,
    run_rule,
)


def judge(*apps, soql=(), **kwargs):
    snapshot = make_snapshot(
        metadata={"ConnectedApp": apps},
        sobjects={"ConnectedApplication": soql},
        **kwargs,
    )
    return run_rule("SF-CA-01", snapshot)


@pytest.mark.parametrize(
    ("value", "status", "severity"),
    [
        ("ENFORCE", Status.PASSED, Severity.HIGH),
        # Required since Metadata API v49: absent means a partial read, never ENFORCE.
        (None, Status.NOT_AVAILABLE, Severity.HIGH),
        ("BYPASS", Status.FAILED, Severity.HIGH),
        ("bypass", Status.FAILED, Severity.HIGH),
        ("BYPASS_2FACTOR", Status.FAILED, Severity.MEDIUM),
        ("Enforce_RelaxRefresh", Status.FAILED, Severity.MEDIUM),
        ("SOMETHING_NEW", Status.NOT_AVAILABLE, Severity.HIGH),
    ],
)
def test_ip_relaxation_grading(value, status, severity):
    finding = judge(make_connected_app("Acme_ETL", "Acme ETL", ip_relaxation=value)).findings[0]
    assert (finding.status, finding.severity) == (status, severity)
    assert (finding.resource_id, finding.resource_name) == ("Acme_ETL", "Acme ETL")
    assert finding.resource_type == "ConnectedApp"
    if status is Status.FAILED:
        assert value in finding.detail and "Acme ETL" in finding.detail


def test_non_oauth_app_gets_no_finding():
    assert judge(make_connected_app("Saml_Only", oauth=False)).findings == ()


def test_soql_record_matches_metadata_by_label_then_full_name():
    result = judge(
        make_connected_app("Acme_ETL", "Acme ETL", ip_relaxation="BYPASS"),
        make_connected_app("Sync", "Sync Label"),
        soql=[make_connected_application("Acme ETL"), make_connected_application("Sync")],
    )
    assert {k: f.status for k, f in by_resource(result).items()} == {
        "Acme_ETL": Status.FAILED,
        "Sync": Status.PASSED,
    }


def test_app_seen_only_in_soql_is_not_available_by_its_derived_developer_name():
    # The id is the fullName Salesforce derives from the name, as when metadata is readable.
    result = judge(soql=[make_connected_application("Vendor App")])
    finding = result.findings[0]
    assert (finding.resource_id, finding.status) == ("Vendor_App", Status.NOT_AVAILABLE)
    assert finding.resource_name == "Vendor App"


def test_unreadable_metadata_item_is_not_available_by_full_name_and_incomplete():
    result = judge(
        soql=[make_connected_application("Vendor App")],
        unavailable={"metadata:ConnectedApp:Vendor_App": "INSUFFICIENT_ACCESS: managed package"},
    )
    finding = result.findings[0]
    assert (finding.resource_id, finding.status) == ("Vendor_App", Status.NOT_AVAILABLE)
    assert "managed package" in finding.evidence["unreadable"]
    assert "SF-CA-01" in result.incomplete_rules


def test_unlisted_connected_app_metadata_is_not_available():
    result = judge(unavailable={"metadata:ConnectedApp": "INSUFFICIENT_ACCESS"})
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]


@pytest.mark.parametrize("policy", ["BYPASS", "", ["ENFORCE"], {"ipRelaxation": {"x": 1}}])
def test_a_malformed_oauth_policy_is_not_available_never_passed(policy):
    app = make_connected_app("Acme_ETL", "Acme ETL")
    app["oauthPolicy"] = policy
    finding = judge(app).findings[0]
    assert finding.status is Status.NOT_AVAILABLE


def test_an_absent_ip_relaxation_says_why_it_cannot_be_judged():
    finding = judge(make_connected_app("Acme_ETL", ip_relaxation=None)).findings[0]
    assert finding.status is Status.NOT_AVAILABLE
    assert "v49" in finding.detail
