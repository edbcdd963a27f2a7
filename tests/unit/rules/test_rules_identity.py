"""Integration-user identification, effective permissions, login aggregation and IP math."""

from __future__ import annotations

import ipaddress

import pytest
from sfscan.domain.findings import Status
from sfscan.rules._logins import LoginKind, aggregate_logins, classify_login_type
from sfscan.rules._netutil import AddressRange, NetworkUnion
from sfscan.rules.context import EvaluationContext

from tests.builders import (
    NOW,
    OrgBuilder,
    ago,
    by_resource,
    iso,
    make_assignment,
    make_connected_app,
    make_eca_policy,
    make_login,
    make_permission_set,
    make_permission_set_group,
    make_profile_permission_set,
    make_settings,
    make_snapshot,
    run_rule,
)


def reasons_of(org: OrgBuilder, settings=None, **snapshot_kwargs) -> dict[str, list[str]]:
    ctx = EvaluationContext(org.snapshot(**snapshot_kwargs), settings or make_settings())
    return {iu.username: list(iu.reasons) for iu in ctx.identity.integration_users}


def context(org: OrgBuilder, **kwargs) -> EvaluationContext:
    return EvaluationContext(org.snapshot(**kwargs), make_settings())


# -- who is in scope ----------------------------------------------------------------------------


def test_only_active_standard_users_are_in_scope():
    org = OrgBuilder()
    org.integration_user("etl@acme.com")
    org.integration_user("old@acme.com", active=False)
    org.integration_user("portal@acme.com", user_type="PowerPartner")
    assert reasons_of(org) == {"etl@acme.com": ["license", "profile", "api-only"]}


def test_excluded_usernames_are_never_integration_users():
    org = OrgBuilder()
    org.integration_user("etl@acme.com")
    settings = make_settings(integration_users={"exclude_usernames": ["ETL@acme.com"]})
    assert reasons_of(org, settings) == {}


# -- each reason ------------------------------------------------------------------------------


def test_license_reason_needs_the_salesforce_integration_licence():
    org = OrgBuilder()
    profile = org.profile("Custom Integration")
    profile["UserLicenseId"] = org.integration_license["Id"]
    org.user("etl@acme.com", profile)
    assert reasons_of(org) == {"etl@acme.com": ["license"]}


def test_profile_reason_uses_configured_profile_names():
    org = OrgBuilder()
    org.user("etl@acme.com", org.profile("ETL Profile"))
    settings = make_settings(integration_users={"profiles": ["ETL Profile"]})
    assert reasons_of(org, settings) == {"etl@acme.com": ["profile"]}


def test_api_only_reason_from_permission_set():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    ps = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", ps).add("PermissionSetAssignment", make_assignment(user, ps))
    assert reasons_of(org) == {"svc@acme.com": ["api-only"]}


def test_run_as_reason_from_connected_app_and_eca_case_insensitively():
    org = OrgBuilder()
    org.person("cc@acme.com")
    org.person("eca@acme.com")
    org.person("alice@acme.com")
    org.add("metadata:ConnectedApp", make_connected_app("ETL", run_as="CC@Acme.com"))
    org.add(
        "metadata:ExtlClntAppOauthConfigurablePolicies",
        make_eca_policy("Sync", run_as="eca@acme.com"),
    )
    assert reasons_of(org) == {"cc@acme.com": ["run-as"], "eca@acme.com": ["run-as"]}


def test_configured_reason_by_username_pattern_and_permission_set():
    org = OrgBuilder()
    org.person("listed@acme.com")
    org.person("svc-mulesoft@acme.com")
    holder = org.person("holder@acme.com")
    ps = make_permission_set("Integration_Marker")
    org.add("PermissionSet", ps).add("PermissionSetAssignment", make_assignment(holder, ps))
    settings = make_settings(
        integration_users={
            "usernames": ["LISTED@acme.com"],
            "username_patterns": ["^svc-"],
            "permission_sets": ["integration_marker"],
        }
    )
    assert reasons_of(org, settings) == {
        "listed@acme.com": ["configured"],
        "svc-mulesoft@acme.com": ["configured"],
        "holder@acme.com": ["configured"],
    }


def test_behavior_reason_api_logins_without_ui_logins():
    org = OrgBuilder()
    api_only_user = org.person("bot@acme.com")
    mixed = org.person("alice@acme.com")
    failed_ui = org.person("bob@acme.com")
    org.add(
        "LoginHistory",
        make_login(api_only_user, "Oauth2", count=40),
        make_login(mixed, "Remote Access 2.0"),
        make_login(mixed, "Application"),
        make_login(failed_ui, "Other Apex API"),
        make_login(failed_ui, "Application", status="Invalid Password"),
    )
    assert reasons_of(org) == {"bot@acme.com": ["behavior"], "bob@acme.com": ["behavior"]}
    off = make_settings(integration_users={"detect_by_behavior": False})
    assert reasons_of(org, off) == {}


def test_every_finding_lists_the_reasons_that_held():
    org = OrgBuilder()
    user = org.integration_user("etl@acme.com")
    org.add("metadata:ConnectedApp", make_connected_app("ETL", run_as="etl@acme.com"))
    org.add("LoginHistory", make_login(user))
    result = run_rule("SF-IU-01", org.snapshot())
    assert result.findings[0].evidence["reasons"] == [
        "license",
        "profile",
        "api-only",
        "run-as",
        "behavior",
    ]


# -- gaps make the rules incomplete -----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"omit": ["metadata:ConnectedApp"]},
        {"unavailable": {"metadata:ExtlClntAppOauthConfigurablePolicies": "INSUFFICIENT_ACCESS"}},
        {"unavailable": {"metadata:ConnectedApp:Vendor_App": "INSUFFICIENT_ACCESS"}},
        {"omit": ["sobject:LoginHistory"]},
    ],
)
def test_identification_gaps_mark_integration_user_rules_incomplete(kwargs):
    org = OrgBuilder()
    org.integration_user("etl@acme.com")
    result = run_rule("SF-IU-01", org.snapshot(**kwargs))
    assert [f.status for f in result.findings] == [Status.PASSED]
    assert "SF-IU-01" in result.incomplete_rules


def test_no_gap_when_behavior_detection_is_off_and_login_history_missing():
    org = OrgBuilder()
    org.integration_user("etl@acme.com")
    settings = make_settings(integration_users={"detect_by_behavior": False})
    result = run_rule("SF-IU-01", org.snapshot(omit=["sobject:LoginHistory"]), settings)
    assert result.incomplete_rules == {}


# -- effective API Only -------------------------------------------------------------------------


def api_only_of(org: OrgBuilder, user) -> bool | None:
    return context(org).permissions.of(user).has("PermissionsApiUserOnly")


def test_api_only_through_profile():
    org = OrgBuilder()
    assert api_only_of(org, org.integration_user()) is True
    assert api_only_of(org, org.person()) is False


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, True),
        ({"IsActive": None}, True),
        ({"IsActive": False}, False),
        ({"ExpirationDate": ago(hours=1)}, False),
        ({"ExpirationDate": iso(NOW)}, False),
        ({"ExpirationDate": "2026-12-31T00:00:00.000+0000"}, True),
        ({"ExpirationDate": "not a date"}, None),
    ],
    ids=["active", "is-active-absent", "inactive", "expired", "expires-now", "future", "bad"],
)
def test_api_only_through_assignment_counts_only_when_active_and_unexpired(fields, expected):
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    ps = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", ps).add("PermissionSetAssignment", make_assignment(user, ps, **fields))
    assert api_only_of(org, user) is expected


def test_api_only_through_permission_set_group_assignment():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    group = make_permission_set_group("Integration_Group")
    aggregate = make_permission_set("Integration_Group_Aggregate", api_only=True, group=group)
    org.add("PermissionSetGroup", group).add("PermissionSet", aggregate)
    org.add("PermissionSetAssignment", make_assignment(user, group=group))
    assert api_only_of(org, user) is True
    assert context(org).permissions.of(user).sources_of("PermissionsApiUserOnly") == [
        "permission set group 'Integration_Group'"
    ]


def test_api_only_through_assignment_pointing_at_the_group_aggregate_set():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    group = make_permission_set_group("Integration_Group")
    aggregate = make_permission_set("Agg", api_only=True, group=group)
    org.add("PermissionSet", aggregate)
    org.add("PermissionSetAssignment", make_assignment(user, aggregate))
    # The group's record is needed: its Status says whether the aggregate is up to date.
    assert api_only_of(org, user) is None
    org.add("PermissionSetGroup", group)
    assert api_only_of(org, user) is True


def test_a_group_grant_stays_a_group_grant_when_its_aggregate_set_lost_the_group_id():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    group = make_permission_set_group("Integration_Group", Status="Outdated")
    aggregate = make_permission_set("Agg", api_only=True, group=group, PermissionSetGroupId=None)
    org.add("PermissionSetGroup", group).add("PermissionSet", aggregate)
    org.add("PermissionSetAssignment", make_assignment(user, aggregate, group=group))
    assert api_only_of(org, user) is None  # the assignment names an Outdated group


def test_api_only_through_profile_owned_permission_set():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    owned = make_profile_permission_set(org.standard_profile, PermissionsApiUserOnly=True)
    org.add("PermissionSet", owned).add("PermissionSetAssignment", make_assignment(user, owned))
    perms = context(org).permissions.of(user)
    assert perms.sources_of("PermissionsApiUserOnly") == ["profile 'Standard User'"]


def test_assignment_to_unknown_permission_set_is_unresolved_not_false():
    org = OrgBuilder()
    user = org.person("svc@acme.com")
    org.add("PermissionSetAssignment", make_assignment(user, {"Id": "0PS000000000999AAA"}))
    assert api_only_of(org, user) is None


# -- login types and the window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("login_type", "kind"),
    [
        ("Remote Access 2.0", LoginKind.API),
        ("oauth2", LoginKind.API),
        ("Remote Access Client", LoginKind.API),
        ("Oauth", LoginKind.API),
        ("Other Apex API", LoginKind.API),
        ("OtherApi", LoginKind.API),
        ("Partner Product", LoginKind.API),
        ("Partner", LoginKind.API),
        ("Networks Portal API Only", LoginKind.API),
        ("NetworksPortalApiOnly", LoginKind.API),
        # Certificate-based authentication is an interactive/mobile login (v67 docs).
        ("Certificate-based login", LoginKind.UI),
        ("Certificate", LoginKind.UI),
        ("Application", LoginKind.UI),
        ("SAML Idp Initiated SSO", LoginKind.UI),
        ("Saml", LoginKind.UI),
        ("SAML Sfdc Initiated SSO", LoginKind.UI),
        ("Saml2", LoginKind.UI),
        ("Lightning Login", LoginKind.UI),
        ("LightningLogin", LoginKind.UI),
        ("Passwordless Login", LoginKind.UI),
        ("PasswordlessLogin", LoginKind.UI),
        ("Third Party SSO", LoginKind.UI),
        ("thirdpartysso", LoginKind.UI),
        ("Passwordless Login via Passkeys", LoginKind.UI),
        ("PasswordlessPasskeyLogin", LoginKind.UI),
        ("Employee Login to Community", LoginKind.UI),
        ("EmployeeLoginToCommunity", LoginKind.UI),
        ("Help And Training", LoginKind.UI),
        ("HelpAndTraining", LoginKind.UI),
        ("Offline Client", LoginKind.UI),
        ("IeOfflineClient", LoginKind.UI),
        ("Portal", LoginKind.UNKNOWN),
        ("CrossTenantLogin", LoginKind.UNKNOWN),
        (None, LoginKind.UNKNOWN),
    ],
)
def test_login_types_by_label_or_api_name(login_type, kind):
    assert classify_login_type(login_type) is kind


def test_login_window_is_lookback_days_ending_at_capture_time():
    user = {"Id": "005000000000001AAA"}
    rows = [
        make_login(user, when=iso(NOW)),  # at the end: inside
        make_login(user, when=ago(days=30)),  # exactly lookback ago: outside
        make_login(user, when=ago(days=29, hours=23)),  # inside
        make_login(user, when="2026-11-28T12:00:01Z"),  # after capture: outside
        make_login(user, count=5, when=ago(days=2), source_ip="198.51.100.7"),
        make_login(user, when=ago(days=1), status="Failed"),
    ]
    view = aggregate_logins(rows, NOW, 30)
    seen = view.of(user["Id"])
    assert seen.api_count == 7
    assert seen.api_by_ip["198.51.100.7"].count == 5
    assert seen.api_by_ip["203.0.113.10"].last == NOW


# -- IP ranges ----------------------------------------------------------------------------------


def union(*cidrs: str) -> NetworkUnion:
    return NetworkUnion.of(ipaddress.ip_network(c) for c in cidrs)


@pytest.mark.parametrize(
    ("start", "end", "cidrs", "inside"),
    [
        ("203.0.113.10", "203.0.113.20", ["203.0.113.0/24"], True),
        ("203.0.113.0", "203.0.114.255", ["203.0.113.0/24", "203.0.114.0/24"], True),
        ("203.0.113.0", "203.0.115.255", ["203.0.113.0/24", "203.0.115.0/24"], False),
        ("203.0.112.255", "203.0.113.5", ["203.0.113.0/24"], False),
        ("2001:db8::1", "2001:db8::ffff", ["2001:db8::/32"], True),
        ("2001:db8::", "2001:db9::", ["2001:db8::/32"], False),
        ("203.0.113.1", "203.0.113.2", ["2001:db8::/32"], False),
    ],
)
def test_range_wholly_inside_union_of_networks(start, end, cidrs, inside):
    assert AddressRange.parse(start, end).inside(union(*cidrs)) is inside


@pytest.mark.parametrize(
    ("start", "end"),
    [("203.0.113.x", "203.0.113.9"), ("203.0.113.1", ""), ("10.0.0.9", "10.0.0.1")],
)
def test_unparseable_range_is_unknown_with_the_bad_value(start, end):
    parsed = AddressRange.parse(start, end)
    assert parsed.inside(union("0.0.0.0/0")) is None
    assert parsed.problem is not None


def test_snapshot_without_users_gives_org_level_not_available():
    result = run_rule("SF-IU-01", make_snapshot(omit=["sobject:User"]))
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert "sobject:User" in result.findings[0].detail


def test_a_user_identified_by_licence_is_identified_without_permission_set_data():
    org = OrgBuilder()
    user = org.integration_user()
    snapshot = org.snapshot(
        unavailable={"sobject:PermissionSet": "denied", "sobject:PermissionSetAssignment": "denied"}
    )
    found = by_resource(run_rule("SF-IU-01", snapshot))
    assert found[user["Id"]].evidence["reasons"] == ["license", "profile", "api-only"]
    assert found[user["Id"]].status is Status.PASSED
