"""Who the rules judge: active users that are not portal, community or guest users, whatever
their UserType otherwise; every active user left out is listed with the reason."""

import pytest
from sfscan.domain.findings import Status
from sfscan.engine import evaluate

from tests.builders import OrgBuilder, by_resource, make_settings, run_rule


@pytest.mark.parametrize(
    "user_type", ["Standard", "CloudIntegrationUser", "AutomatedProcess", "CsnOnly", "SomethingNew"]
)
def test_an_integration_user_of_any_internal_user_type_is_judged(user_type):
    org = OrgBuilder()
    user = org.integration_user("etl@acme.com", user_type=user_type)
    found = by_resource(run_rule("SF-IU-01", org.snapshot()))
    assert found[user["Id"]].status is Status.PASSED
    assert "license" in found[user["Id"]].evidence["reasons"]


@pytest.mark.parametrize(
    "user_type",
    ["PowerPartner", "PowerCustomerSuccess", "CustomerSuccess", "CspLitePortal", "Guest"],
)
def test_portal_community_and_guest_users_are_listed_out_of_scope_with_the_reason(user_type):
    org = OrgBuilder()
    portal = org.integration_user("portal@acme.com", user_type=user_type)
    org.integration_user("gone@acme.com", user_type=user_type, active=False)
    result = evaluate(org.snapshot(), make_settings())
    assert portal["Id"] not in {f.resource_id for f in result.findings}
    assert result.out_of_scope == (
        {
            "user_id": portal["Id"],
            "username": "portal@acme.com",
            "user_type": user_type,
            "reason": result.out_of_scope[0]["reason"],
        },
    )
    assert user_type in result.out_of_scope[0]["reason"]
    assert result.to_dict()["out_of_scope"] == [dict(result.out_of_scope[0])]


def test_a_user_whose_is_active_cannot_be_read_is_listed_and_marks_the_rules_incomplete():
    org = OrgBuilder()
    odd = org.integration_user("odd@acme.com", IsActive="yes")
    result = evaluate(org.snapshot(), make_settings())
    assert odd["Id"] not in {f.resource_id for f in result.findings if f.status is Status.PASSED}
    assert [u["user_id"] for u in result.out_of_scope] == [odd["Id"]]
    assert "IsActive" in result.out_of_scope[0]["reason"]
    assert "SF-IU-01" in result.incomplete_rules


def test_a_scan_without_portal_users_has_an_empty_out_of_scope_list():
    org = OrgBuilder()
    org.integration_user()
    result = evaluate(org.snapshot(), make_settings())
    assert result.out_of_scope == () and result.to_dict()["out_of_scope"] == []
