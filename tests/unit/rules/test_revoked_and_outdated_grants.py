"""Revoked assignments never count; a permission-set group not `Updated` never makes a verdict
PASS (its aggregate permissions may be stale)."""

import pytest
from sfscan.domain.findings import Status

from tests.builders import (
    OrgBuilder,
    by_resource,
    make_assignment,
    make_permission_set,
    make_permission_set_group,
    make_settings,
    run_rule,
)

SYNC = make_settings(integration_users={"usernames": ["sync@acme.com"]})


def org_with_sync_user() -> tuple[OrgBuilder, dict]:
    org = OrgBuilder()
    user = org.user("sync@acme.com", org.profile("Sync Profile", PermissionsModifyAllData=False))
    return org, user


def test_a_revoked_api_only_assignment_does_not_make_the_user_api_only():
    org, user = org_with_sync_user()
    api_only = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", api_only)
    org.add("PermissionSetAssignment", make_assignment(user, api_only, IsRevoked=True))
    assert by_resource(run_rule("SF-IU-01", org.snapshot(), SYNC))[user["Id"]].status is (
        Status.FAILED
    )


def test_a_revoked_excessive_permission_does_not_fail_sf_iu_06():
    org, user = org_with_sync_user()
    admin = make_permission_set("Admin", PermissionsModifyAllData=True)
    org.add("PermissionSet", admin)
    org.add("PermissionSetAssignment", make_assignment(user, admin, IsRevoked=True))
    settings = make_settings(
        integration_users={"usernames": ["sync@acme.com"]}, excessive_permissions=["ModifyAllData"]
    )
    assert by_resource(run_rule("SF-IU-06", org.snapshot(), settings))[user["Id"]].status is (
        Status.PASSED
    )


def test_an_unreadable_is_revoked_is_not_available_not_passed():
    org, user = org_with_sync_user()
    api_only = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", api_only)
    org.add("PermissionSetAssignment", make_assignment(user, api_only, IsRevoked="maybe"))
    finding = by_resource(run_rule("SF-IU-01", org.snapshot(), SYNC))[user["Id"]]
    assert finding.status is Status.NOT_AVAILABLE
    assert "IsRevoked" in finding.detail


def grant_through_group(status: str, **permissions: bool) -> tuple[OrgBuilder, dict]:
    org, user = org_with_sync_user()
    group = make_permission_set_group("Integration_Baseline", Status=status)
    aggregate = make_permission_set("Integration_Baseline_Agg", group=group, **permissions)
    org.add("PermissionSetGroup", group)
    org.add("PermissionSet", aggregate)
    org.add("PermissionSetAssignment", make_assignment(user, group=group))
    return org, user


@pytest.mark.parametrize("status", ["Outdated", "Updating", "Failed"])
def test_api_only_from_a_group_being_recalculated_is_not_available_naming_the_group(status):
    org, user = grant_through_group(status, api_only=True)
    finding = by_resource(run_rule("SF-IU-01", org.snapshot(), SYNC))[user["Id"]]
    assert finding.status is Status.NOT_AVAILABLE
    assert "Integration_Baseline" in finding.detail and status in finding.detail


def test_api_only_from_an_updated_group_passes():
    org, user = grant_through_group("Updated", api_only=True)
    finding = by_resource(run_rule("SF-IU-01", org.snapshot(), SYNC))[user["Id"]]
    assert finding.status is Status.PASSED


def test_an_excessive_permission_from_an_outdated_group_warns_naming_the_group():
    org, user = grant_through_group("Outdated", PermissionsModifyAllData=True)
    settings = make_settings(
        integration_users={"usernames": ["sync@acme.com"]}, excessive_permissions=["ModifyAllData"]
    )
    finding = by_resource(run_rule("SF-IU-06", org.snapshot(), settings))[user["Id"]]
    assert finding.status is Status.WARNING
    assert "Integration_Baseline" in finding.detail


def test_no_excessive_permission_seen_in_an_outdated_group_is_not_passed():
    org, user = grant_through_group("Outdated", PermissionsModifyAllData=False)
    settings = make_settings(
        integration_users={"usernames": ["sync@acme.com"]}, excessive_permissions=["ModifyAllData"]
    )
    finding = by_resource(run_rule("SF-IU-06", org.snapshot(), settings))[user["Id"]]
    assert finding.status is Status.NOT_AVAILABLE
    assert "Integration_Baseline" in finding.detail
