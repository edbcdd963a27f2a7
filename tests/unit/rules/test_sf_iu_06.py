"""SF-IU-06: integration users must not hold org-wide permissions."""

from sfscan.domain.findings import Severity, Status

from tests.builders import (
    OrgBuilder,
    by_resource,
    make_assignment,
    make_permission_set,
    make_permission_set_group,
    make_settings,
    run_rule,
)


def described_org() -> OrgBuilder:
    org = OrgBuilder()
    for profile in org.sobjects["Profile"]:
        profile.update(PermissionsModifyAllData=False, PermissionsViewAllData=False)
    return org


def test_permissions_listed_with_where_they_came_from():
    org = described_org()
    org.integration_profile["PermissionsViewAllData"] = True
    user = org.integration_user()
    ps = make_permission_set("Data_Admin", PermissionsModifyAllData=True)
    group = make_permission_set_group("Ops_Group")
    aggregate = make_permission_set("Ops_Agg", group=group, PermissionsModifyAllData=True)
    expired = make_permission_set("Old", PermissionsViewAllData=True)
    org.add("PermissionSet", ps, aggregate, expired).add("PermissionSetGroup", group)
    org.add(
        "PermissionSetAssignment",
        make_assignment(user, ps),
        make_assignment(user, group=group),
        make_assignment(user, expired, IsActive=False),
    )
    finding = run_rule("SF-IU-06", org.snapshot()).findings[0]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.HIGH)
    assert finding.evidence["permissions"] == {
        "ModifyAllData": ["permission set 'Data_Admin'", "permission set group 'Ops_Group'"],
        "ViewAllData": ["profile 'Minimum Access - API Only Integrations'"],
    }
    assert "ModifyAllData" in finding.detail and "Data_Admin" in finding.detail


def test_integration_user_without_excessive_permissions_passes():
    org = described_org()
    user = org.integration_user()
    finding = by_resource(run_rule("SF-IU-06", org.snapshot()))[user["Id"]]
    assert finding.status is Status.PASSED
    assert finding.evidence["checked"] == ["ModifyAllData", "ViewAllData"]


def test_configured_permission_list_is_used():
    org = described_org()
    org.integration_profile["PermissionsModifyAllData"] = True
    org.integration_user()
    settings = make_settings(excessive_permissions=["ViewAllData"])
    assert run_rule("SF-IU-06", org.snapshot(), settings).findings[0].status is Status.PASSED


def test_no_permission_fields_in_the_snapshot_is_not_available():
    org = OrgBuilder()  # profiles carry only PermissionsApiUserOnly
    org.integration_user()
    result = run_rule("SF-IU-06", org.snapshot())
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]


def test_unresolved_assignment_is_not_available_never_passed():
    org = described_org()
    user = org.integration_user()
    org.add("PermissionSetAssignment", make_assignment(user, {"Id": "0PS000000000999AAA"}))
    finding = run_rule("SF-IU-06", org.snapshot()).findings[0]
    assert finding.status is Status.NOT_AVAILABLE
