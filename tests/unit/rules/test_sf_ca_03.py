"""SF-CA-03: OAuth apps must not let every user self-authorize."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import (
    by_resource,
    make_connected_app,
    make_connected_application,
    make_eca_policy,
    make_snapshot,
    run_rule,
)


def judge(apps=(), soql=(), policies=(), **kwargs):
    snapshot = make_snapshot(
        metadata={"ConnectedApp": apps, "ExtlClntAppOauthConfigurablePolicies": policies},
        sobjects={"ConnectedApplication": soql},
        **kwargs,
    )
    return run_rule("SF-CA-03", snapshot)


@pytest.mark.parametrize(
    ("soql_value", "metadata_value", "status"),
    [
        (True, True, Status.PASSED),
        (False, False, Status.FAILED),
        (False, True, Status.FAILED),  # sources disagree: self-authorized wins
        (True, False, Status.FAILED),
        (None, True, Status.PASSED),
        (None, None, Status.NOT_AVAILABLE),
    ],
)
def test_connected_app_admin_approval(soql_value, metadata_value, status):
    result = judge(
        apps=[make_connected_app("Acme_ETL", "Acme ETL", admin_approved=metadata_value)],
        soql=[make_connected_application("Acme ETL", soql_value)],
    )
    finding = result.findings[0]
    assert (finding.resource_id, finding.resource_type) == ("Acme_ETL", "ConnectedApp")
    assert (finding.status, finding.severity) == (status, Severity.MEDIUM)


def test_soql_only_app_is_judged_from_soql_under_its_derived_developer_name():
    result = judge(soql=[make_connected_application("Vendor App", False)])
    assert [(f.resource_id, f.status) for f in result.findings] == [("Vendor_App", Status.FAILED)]


def test_unreadable_metadata_without_soql_value_is_not_available():
    result = judge(unavailable={"metadata:ConnectedApp:Vendor_App": "denied"})
    assert [(f.resource_id, f.status) for f in result.findings] == [
        ("Vendor_App", Status.NOT_AVAILABLE)
    ]
    assert "SF-CA-03" in result.incomplete_rules


def test_non_oauth_connected_app_gets_no_finding():
    result = judge(apps=[make_connected_app("Saml", oauth=False)], soql=[])
    assert result.findings == ()


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        ("AllSelfAuthorized", Status.FAILED),
        ("allselfauthorized", Status.FAILED),
        ("AdminApprovedPreAuthorized", Status.PASSED),
        (None, Status.NOT_AVAILABLE),
    ],
)
def test_external_client_app_permitted_users(policy, status):
    result = judge(policies=[make_eca_policy("Acme_Sync", permitted_users=policy)])
    finding = by_resource(result)["Acme_Sync"]
    assert (finding.resource_type, finding.status) == ("ExternalClientApp", status)


def test_missing_connected_app_metadata_still_judges_soql_but_is_incomplete():
    result = judge(
        soql=[make_connected_application("Acme ETL", True)], omit=["metadata:ConnectedApp"]
    )
    assert [f.status for f in result.findings] == [Status.PASSED]
    assert "SF-CA-03" in result.incomplete_rules


def test_missing_connected_application_judges_each_app_on_what_it_can_read():
    result = judge(
        apps=[make_connected_app("Open", admin_approved=False), make_connected_app("Closed")],
        policies=[make_eca_policy("Eca_App")],
        unavailable={"sobject:ConnectedApplication": "INVALID_FIELD"},
    )
    found = by_resource(result)
    assert found["Open"].status is Status.FAILED  # metadata alone proves self-authorization
    # Admin-approved in metadata, but the SOQL value (which wins) was not read: never PASSED.
    assert found["Closed"].status is Status.NOT_AVAILABLE
    assert "sobject:ConnectedApplication" in found["Closed"].detail
    assert found["Eca_App"].status is Status.PASSED  # does not depend on connected-app data
    assert "SF-CA-03" in result.incomplete_rules


def test_no_readable_app_list_is_one_org_level_not_available():
    result = judge(
        unavailable={
            "sobject:ConnectedApplication": "INVALID_FIELD",
            "metadata:ConnectedApp": "INVALID_TYPE",
            "metadata:ExtlClntAppOauthConfigurablePolicies": "INVALID_TYPE",
        }
    )
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert "SF-CA-03" in result.incomplete_rules
