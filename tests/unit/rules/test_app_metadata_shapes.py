"""Connected apps and external client apps in the shapes real metadata can take."""

import pytest
from sfscan.domain.findings import Status

from tests.builders import (
    by_resource,
    make_connected_app,
    make_connected_application,
    make_eca_policy,
    make_snapshot,
    run_rule,
)


@pytest.mark.parametrize("value", [["BYPASS"], {"value": "BYPASS"}, 3])
def test_an_ip_relaxation_of_an_unexpected_shape_is_not_read_as_absent(value):
    app = make_connected_app("Acme_ETL")
    app["oauthPolicy"]["ipRelaxation"] = value
    snapshot = make_snapshot(metadata={"ConnectedApp": [app]})
    finding = run_rule("SF-CA-01", snapshot).findings[0]
    assert finding.status is Status.NOT_AVAILABLE


@pytest.mark.parametrize("value", [" bypass ", "Bypass"])
def test_ip_relaxation_is_graded_whatever_its_case_or_padding(value):
    snapshot = make_snapshot(
        metadata={"ConnectedApp": [make_connected_app("Acme_ETL", ip_relaxation=value)]}
    )
    assert run_rule("SF-CA-01", snapshot).findings[0].status is Status.FAILED


def test_an_oauth_config_present_but_empty_text_still_makes_the_app_oauth_enabled():
    app = make_connected_app("Acme_ETL", ip_relaxation="BYPASS")
    app["oauthConfig"] = ""
    snapshot = make_snapshot(metadata={"ConnectedApp": [app]})
    assert [f.status for f in run_rule("SF-CA-01", snapshot).findings] == [Status.FAILED]


def test_two_soql_apps_with_one_label_and_one_metadata_record_leave_none_unjudged():
    """Two apps named "Data Loader"; metadata of only one could be listed."""
    snapshot = make_snapshot(
        sobjects={
            "ConnectedApplication": [
                make_connected_application("Data Loader", True),
                make_connected_application("Data Loader", False),
            ]
        },
        metadata={"ConnectedApp": [make_connected_app("Data_Loader", "Data Loader")]},
    )
    ca01 = run_rule("SF-CA-01", snapshot).findings
    assert sorted(f.status.value for f in ca01) == ["NOT_AVAILABLE", "PASSED"]
    assert len({f.resource_id for f in ca01}) == 2
    ca03 = run_rule("SF-CA-03", snapshot).findings
    # One of the two lets everyone self-authorize; which one cannot be told, so neither passes.
    assert Status.PASSED not in {f.status for f in ca03}
    assert len(ca03) == 2


def test_a_soql_row_is_not_attributed_to_one_of_two_apps_sharing_its_label():
    first = make_connected_app("Loader_A", "Data Loader", admin_approved=None)
    second = make_connected_app("Loader_B", "Data Loader", admin_approved=None)
    snapshot = make_snapshot(
        sobjects={"ConnectedApplication": [make_connected_application("Data Loader", True)]},
        metadata={"ConnectedApp": [first, second]},
    )
    found = by_resource(run_rule("SF-CA-03", snapshot))
    assert {f.status for f in found.values()} == {Status.NOT_AVAILABLE}


def test_same_named_soql_rows_that_agree_still_judge_every_app():
    snapshot = make_snapshot(
        sobjects={
            "ConnectedApplication": [
                make_connected_application("Data Loader", False),
                make_connected_application("Data Loader", False),
            ]
        },
        metadata={
            "ConnectedApp": [
                make_connected_app("Loader_A", "Data Loader", admin_approved=None),
                make_connected_app("Loader_B", "Data Loader", admin_approved=None),
            ]
        },
    )
    found = by_resource(run_rule("SF-CA-03", snapshot))
    assert {k: f.status for k, f in found.items()} == {
        "Loader_A": Status.FAILED,
        "Loader_B": Status.FAILED,
    }


def test_an_eca_policy_without_its_app_name_uses_the_developer_name_of_its_full_name():
    policy = make_eca_policy("Partner_API", ip_relaxation="Bypass")
    del policy["externalClientApplication"]
    snapshot = make_snapshot(metadata={"ExtlClntAppOauthConfigurablePolicies": [policy]})
    finding = run_rule("SF-CA-02", snapshot).findings[0]
    assert (finding.resource_id, finding.status) == ("Partner_API", Status.FAILED)


def test_an_unreadable_eca_policy_is_reported_under_its_app_developer_name():
    """So a NOT_AVAILABLE lands on the same resource as the earlier FAILED it must not resolve."""
    snapshot = make_snapshot(
        unavailable={
            "metadata:ExtlClntAppOauthConfigurablePolicies:Partner_API_oauthPlcy": "X: denied"
        }
    )
    for rule_id in ("SF-CA-02", "SF-CA-03"):
        finding = run_rule(rule_id, snapshot).findings[0]
        assert (finding.resource_id, finding.status) == ("Partner_API", Status.NOT_AVAILABLE)


def test_ca_01_is_incomplete_when_connected_applications_could_not_be_read():
    """Apps only SOQL sees (metadata not listed) would silently drop out of CA-01."""
    snapshot = make_snapshot(
        metadata={"ConnectedApp": [make_connected_app("Acme_ETL")]},
        unavailable={"sobject:ConnectedApplication": "INVALID_FIELD: no access"},
    )
    result = run_rule("SF-CA-01", snapshot)
    assert [f.status for f in result.findings] == [Status.PASSED]
    assert "SF-CA-01" in result.incomplete_rules
