"""15- and 18-character Salesforce ids must join as the same record.

Salesforce ids are case-sensitive 15-character values; the APIs also give an 18-character form
whose last three characters encode the case. REST gives 18 characters, but reports, exports and
some APIs give 15, so a lookup in one form must find a record keyed in the other.
"""

from sfscan.domain.findings import Status

from tests.builders import (
    OrgBuilder,
    by_resource,
    make_assignment,
    make_ip_range,
    make_login,
    make_permission_set,
    make_settings,
    run_rule,
)

NETWORKS = {"allowed_networks": ["10.0.0.0/8"]}


def short(record_id: str) -> str:
    return record_id[:15]


def test_a_ui_login_recorded_under_the_15_character_user_id_fails_sf_iu_04():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, "Application", UserId=short(user["Id"])))
    finding = run_rule("SF-IU-04", org.snapshot()).findings[0]
    assert finding.status is Status.FAILED


def test_an_api_login_from_outside_under_a_15_character_user_id_fails_sf_net_01():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, source_ip="198.51.100.7", UserId=short(user["Id"])))
    result = run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS))
    assert [f.status for f in result.findings] == [Status.FAILED]


def test_excessive_permission_through_an_assignment_with_a_15_character_assignee_fails():
    org = OrgBuilder()
    user = org.integration_user()
    ps = make_permission_set("Admin_All", PermissionsModifyAllData=True)
    org.add("PermissionSet", ps)
    org.add("PermissionSetAssignment", make_assignment(user, ps, AssigneeId=short(user["Id"])))
    finding = run_rule("SF-IU-06", org.snapshot()).findings[0]
    assert finding.status is Status.FAILED
    assert finding.evidence["permissions"] == {"ModifyAllData": ["permission set 'Admin_All'"]}


def test_a_15_character_permission_set_id_on_the_assignment_still_resolves():
    org = OrgBuilder()
    user = org.integration_user()
    ps = make_permission_set("Admin_All", PermissionsModifyAllData=True)
    org.add("PermissionSet", ps)
    org.add("PermissionSetAssignment", make_assignment(user, ps, PermissionSetId=short(ps["Id"])))
    finding = run_rule("SF-IU-06", org.snapshot()).findings[0]
    assert finding.status is Status.FAILED


def test_a_person_whose_profile_id_is_15_characters_still_shares_the_profile():
    org = OrgBuilder()
    shared = org.profile("Sync Profile")
    bot = org.user("sync@acme.com", shared)
    org.person("alice@acme.com", ProfileId=short(shared["Id"]))
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    finding = run_rule("SF-IU-05", org.snapshot(), settings).findings[0]
    assert finding.resource_id == bot["Id"]
    assert finding.status is Status.FAILED


def test_a_login_ip_range_keyed_by_the_15_character_profile_id_is_found():
    org = OrgBuilder()
    org.integration_user()
    profile = org.integration_profile
    org.add(
        "LoginIpRange",
        make_ip_range(profile, "198.51.100.0", "198.51.100.255", ProfileId=short(profile["Id"])),
    )
    settings = make_settings(**NETWORKS)
    assert run_rule("SF-IU-02", org.snapshot(), settings).findings[0].status is Status.PASSED
    iu03 = run_rule("SF-IU-03", org.snapshot(), settings).findings
    assert [f.status for f in iu03] == [Status.FAILED]


def test_a_user_with_a_15_character_profile_id_resolves_its_profile_and_licence():
    org = OrgBuilder()
    user = org.user("etl@acme.com", {"Id": short(org.integration_profile["Id"])})
    finding = run_rule("SF-IU-01", org.snapshot()).findings[0]
    assert finding.evidence["reasons"] == ["license", "profile", "api-only"]
    assert finding.status is Status.PASSED
    assert finding.resource_id == user["Id"]


def test_a_15_character_user_id_is_reported_in_its_18_character_form():
    org = OrgBuilder()
    org.integration_user(Id="005Dn000001aBcD")
    finding = run_rule("SF-IU-01", org.snapshot()).findings[0]
    # The 18-character form Salesforce gives for this id (case of each 5-char chunk encoded).
    assert finding.resource_id == "005Dn000001aBcDIAU"


def test_ids_that_differ_only_in_case_are_different_records():
    org = OrgBuilder()
    user = org.integration_user(Id="005Dn000001aBcDIAU")
    other = "005Dn000001abcd"  # another user: 15-character ids are case-sensitive
    org.add("LoginHistory", make_login(user, "Application", UserId=other))
    assert by_resource(run_rule("SF-IU-04", org.snapshot()))[user["Id"]].status is Status.PASSED
