"""SF-IU-05: integration users need a profile of their own."""

from sfscan.domain.findings import Severity, Status

from tests.builders import OrgBuilder, by_resource, make_settings, run_rule


def test_profile_shared_with_people_fails_naming_some_and_the_count():
    org = OrgBuilder()
    shared = org.profile("Shared Profile")
    bot = org.user("bot@acme.com", shared)
    for i in range(7):
        org.user(f"person{i}@acme.com", shared)
    org.user("gone@acme.com", shared, IsActive=False)
    settings = make_settings(integration_users={"usernames": ["bot@acme.com"]})
    finding = by_resource(run_rule("SF-IU-05", org.snapshot(), settings))[bot["Id"]]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.MEDIUM)
    assert finding.evidence["shared_with_count"] == 7
    assert len(finding.evidence["shared_with"]) == 5
    assert "gone@acme.com" not in finding.evidence["shared_with"]
    assert "7 other user" in finding.detail


def test_profile_used_only_by_integration_users_passes():
    org = OrgBuilder()
    a = org.integration_user("a@acme.com")
    b = org.integration_user("b@acme.com")
    org.person("alice@acme.com")
    found = by_resource(run_rule("SF-IU-05", org.snapshot()))
    assert {found[a["Id"]].status, found[b["Id"]].status} == {Status.PASSED}


def test_excluded_user_on_the_profile_counts_as_a_person():
    org = OrgBuilder()
    etl = org.integration_user("etl@acme.com")
    org.integration_user("admin-tester@acme.com")
    settings = make_settings(integration_users={"exclude_usernames": ["admin-tester@acme.com"]})
    finding = by_resource(run_rule("SF-IU-05", org.snapshot(), settings))[etl["Id"]]
    assert finding.status is Status.FAILED
    assert finding.evidence["shared_with"] == ["admin-tester@acme.com"]
