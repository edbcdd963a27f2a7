"""Assignments, expirations and permission fields as real orgs give them."""

from sfscan.domain.findings import Status

from tests.builders import (
    OrgBuilder,
    make_assignment,
    make_permission_set,
    make_permission_set_group,
    make_settings,
    run_rule,
)

# NOW is 2026-11-28T12:00Z.


def org_with_assignment(**assignment_fields):
    org = OrgBuilder()
    for profile in org.sobjects["Profile"]:
        profile["PermissionsModifyAllData"] = False
    user = org.integration_user()
    ps = make_permission_set("Admin_All", PermissionsModifyAllData=True)
    org.add("PermissionSet", ps)
    org.add("PermissionSetAssignment", make_assignment(user, ps, **assignment_fields))
    return org


def test_a_date_only_expiration_on_the_evaluation_day_is_not_taken_as_expired():
    """ "2026-11-28" may end at the end of that day in the org's time zone: still effective."""
    finding = run_rule("SF-IU-06", org_with_assignment(ExpirationDate="2026-11-28").snapshot())
    assert finding.findings[0].status is not Status.PASSED


def test_a_date_only_expiration_on_the_evaluation_day_does_not_grant_api_only():
    org = OrgBuilder()
    user = org.user("sync@acme.com", org.profile("Sync Profile"))
    ps = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", ps)
    org.add("PermissionSetAssignment", make_assignment(user, ps, ExpirationDate="2026-11-28"))
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    finding = run_rule("SF-IU-01", org.snapshot(), settings).findings[0]
    assert finding.status is not Status.PASSED


def test_date_only_expirations_well_before_or_after_the_evaluation_day_are_clear():
    past = run_rule("SF-IU-06", org_with_assignment(ExpirationDate="2026-11-26").snapshot())
    assert past.findings[0].status is Status.PASSED
    future = run_rule("SF-IU-06", org_with_assignment(ExpirationDate="2026-11-30").snapshot())
    assert future.findings[0].status is Status.FAILED


def test_string_booleans_and_an_absent_is_active_on_assignments_are_read():
    absent = org_with_assignment()
    absent.sobjects["PermissionSetAssignment"][0].pop("IsActive")
    assert run_rule("SF-IU-06", absent.snapshot()).findings[0].status is Status.FAILED
    text_true = org_with_assignment(IsActive="true")
    assert run_rule("SF-IU-06", text_true.snapshot()).findings[0].status is Status.FAILED
    text_false = org_with_assignment(IsActive="False")
    assert run_rule("SF-IU-06", text_false.snapshot()).findings[0].status is Status.PASSED


def test_a_permission_set_record_without_the_checked_field_is_not_read_as_false():
    """Profile records carry PermissionsModifyAllData, the PermissionSet records do not: a set
    the user holds might grant it."""
    org = OrgBuilder()
    user = org.integration_user()
    for profile in org.sobjects["Profile"]:
        profile["PermissionsModifyAllData"] = False
    ps = make_permission_set("Mystery")
    org.add("PermissionSet", ps)
    org.add("PermissionSetAssignment", make_assignment(user, ps))
    finding = run_rule("SF-IU-06", org.snapshot()).findings[0]
    assert finding.status is Status.NOT_AVAILABLE


def test_a_configured_permission_set_group_with_groups_unreadable_is_an_identification_gap():
    org = OrgBuilder()
    user = org.user("svc@acme.com", org.profile("Sync Profile"))
    group = make_permission_set_group("Integration_Access")
    aggregate = make_permission_set("X0PG_aggregate", group=group)
    org.add("PermissionSet", aggregate)
    org.add("PermissionSetAssignment", make_assignment(user, aggregate, group=group))
    settings = make_settings(integration_users={"permission_sets": ["Integration_Access"]})
    readable = run_rule(
        "SF-IU-01", org.snapshot(sobjects={"PermissionSetGroup": [group]}), settings
    )
    assert [f.status for f in readable.findings] == [Status.FAILED]
    unreadable = run_rule(
        "SF-IU-01",
        org.snapshot(unavailable={"sobject:PermissionSetGroup": "INSUFFICIENT_ACCESS: no"}),
        settings,
    )
    assert "SF-IU-01" in unreadable.incomplete_rules


def test_an_active_user_whose_is_active_or_user_type_is_text_is_in_scope():
    org = OrgBuilder()
    org.integration_user("a@acme.com", IsActive="true")
    org.integration_user("b@acme.com", UserType="standard ")
    assert len(run_rule("SF-IU-01", org.snapshot()).findings) == 2


def test_a_user_whose_is_active_is_unreadable_is_an_identification_gap():
    org = OrgBuilder()
    org.integration_user(IsActive=None)
    result = run_rule("SF-IU-01", org.snapshot())
    assert "SF-IU-01" in result.incomplete_rules


def test_a_user_whose_profile_is_missing_from_the_snapshot_never_passes_permission_rules():
    org = OrgBuilder()
    org.user("sync@acme.com", {"Id": "00e00000000MISSING"})
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    for rule_id in ("SF-IU-01", "SF-IU-06"):
        finding = run_rule(rule_id, org.snapshot(), settings).findings[0]
        assert finding.status is Status.NOT_AVAILABLE, rule_id
