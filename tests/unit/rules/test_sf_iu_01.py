"""SF-IU-01: integration users must be API Only."""

from sfscan.domain.findings import Severity, Status

from tests.builders import (
    OrgBuilder,
    ago,
    by_resource,
    make_assignment,
    make_permission_set,
    make_settings,
    run_rule,
)


def test_api_only_integration_user_passes_and_ui_capable_one_fails_critical():
    org = OrgBuilder()
    good = org.integration_user("etl@acme.com")
    bad = org.user("sync@acme.com", org.profile("Sync Profile"))
    org.person("alice@acme.com")
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    found = by_resource(run_rule("SF-IU-01", org.snapshot(), settings))
    assert set(found) == {good["Id"], bad["Id"]}  # people get no finding
    assert found[good["Id"]].status is Status.PASSED
    assert found[good["Id"]].evidence["api_only_from"] == [
        "profile 'Minimum Access - API Only Integrations'"
    ]
    failed = found[bad["Id"]]
    assert (failed.status, failed.severity) == (Status.FAILED, Severity.CRITICAL)
    assert failed.resource_type == "User"
    assert failed.resource_name == "sync@acme.com"
    assert failed.evidence["reasons"] == ["configured"]
    assert "sync@acme.com" in failed.detail and "API Only" in failed.detail


def test_inactive_or_expired_api_only_assignment_does_not_count():
    org = OrgBuilder()
    profile = org.profile("Sync Profile")
    inactive = org.user("a@acme.com", profile)
    expired = org.user("b@acme.com", profile)
    ps = make_permission_set("Api_Only", api_only=True)
    org.add("PermissionSet", ps)
    org.add(
        "PermissionSetAssignment",
        make_assignment(inactive, ps, IsActive=False),
        make_assignment(expired, ps, ExpirationDate=ago(days=1)),
    )
    settings = make_settings(integration_users={"profiles": ["Sync Profile"]})
    found = by_resource(run_rule("SF-IU-01", org.snapshot(), settings))
    assert found[inactive["Id"]].status is Status.FAILED
    assert found[expired["Id"]].status is Status.FAILED


def test_unresolvable_permission_set_is_not_available_never_passed():
    org = OrgBuilder()
    user = org.user("sync@acme.com", org.profile("Sync Profile"))
    org.add("PermissionSetAssignment", make_assignment(user, {"Id": "0PS000000000999AAA"}))
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    finding = run_rule("SF-IU-01", org.snapshot(), settings).findings[0]
    assert finding.status is Status.NOT_AVAILABLE
    assert finding.evidence["unresolved"]


def test_missing_assignments_leave_profile_api_only_passed_and_the_rest_not_available():
    org = OrgBuilder()
    by_profile = org.integration_user("etl@acme.com")
    unknown = org.user("sync@acme.com", org.profile("Sync Profile"))
    settings = make_settings(integration_users={"usernames": ["sync@acme.com"]})
    snapshot = org.snapshot(unavailable={"sobject:PermissionSetAssignment": "INSUFFICIENT_ACCESS"})
    result = run_rule("SF-IU-01", snapshot, settings)
    found = by_resource(result)
    assert found[by_profile["Id"]].status is Status.PASSED  # the profile grants API Only
    assert found[unknown["Id"]].status is Status.NOT_AVAILABLE
    assert "sobject:PermissionSetAssignment" in found[unknown["Id"]].detail
