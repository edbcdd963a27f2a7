"""SF-NET-01: API logins must come from allowed_networks."""

from sfscan.domain.findings import Severity, Status

from tests.builders import OrgBuilder, ago, by_resource, make_login, make_settings, run_rule

NETWORKS = {"allowed_networks": ["203.0.113.0/24", "2001:db8::/32"]}


def test_api_logins_from_outside_fail_with_each_ip_count_and_last_time():
    org = OrgBuilder()
    user = org.integration_user()
    org.add(
        "LoginHistory",
        make_login(user, "Remote Access 2.0", "203.0.113.10"),
        make_login(user, "Remote Access 2.0", "198.51.100.7", when=ago(days=5)),
        make_login(user, "Oauth2", "198.51.100.7", when=ago(days=2), count=9),
        make_login(user, "Application", "192.0.2.1"),  # UI logins are SF-IU-04's business
    )
    finding = run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS)).findings[0]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.HIGH)
    assert finding.evidence["outside_ips"] == {
        "198.51.100.7": {"count": 10, "last_login": "2026-11-26T12:00:00Z"}
    }
    assert finding.evidence["reasons"] == ["license", "profile", "api-only"]
    # IPs live in the evidence; the sentence stays stable while the violation does.
    assert "outside allowed_networks" in finding.detail
    assert "198.51.100.7" not in finding.detail


def test_api_logins_all_inside_pass_including_ipv6():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, source_ip="203.0.113.9"))
    org.add("LoginHistory", make_login(user, source_ip="2001:db8::5"))
    finding = run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS)).findings[0]
    assert finding.status is Status.PASSED


def test_users_without_api_logins_get_no_finding():
    org = OrgBuilder()
    org.integration_user()
    assert run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS)).findings == ()


def test_unparseable_source_ip_is_not_available_unless_another_ip_fails():
    org = OrgBuilder()
    only_bad = org.integration_user("a@acme.com")
    mixed = org.integration_user("b@acme.com")
    org.add(
        "LoginHistory",
        make_login(only_bad, source_ip="203.0.113.5"),
        make_login(only_bad, source_ip="unknown"),
        make_login(mixed, source_ip="unknown"),
        make_login(mixed, source_ip="198.51.100.1"),
    )
    found = by_resource(run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS)))
    assert found[only_bad["Id"]].status is Status.NOT_AVAILABLE
    assert "unknown" in found[only_bad["Id"]].evidence["unreadable_ips"]
    assert found[mixed["Id"]].status is Status.FAILED
    assert "unknown" in found[mixed["Id"]].evidence["unreadable_ips"]


def test_scope_integration_ignores_people_and_scope_all_includes_them():
    org = OrgBuilder()
    person = org.person()
    org.add("LoginHistory", make_login(person, "Application", "203.0.113.1"))
    org.add("LoginHistory", make_login(person, "Other Apex API", "198.51.100.1"))
    assert run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS)).findings == ()
    everyone = make_settings(**NETWORKS, outside_login_scope="all")
    finding = run_rule("SF-NET-01", org.snapshot(), everyone).findings[0]
    assert (finding.resource_id, finding.status) == (person["Id"], Status.FAILED)
    assert finding.evidence["reasons"] == []


def test_empty_allowed_networks_is_not_available():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, source_ip="198.51.100.1"))
    result = run_rule("SF-NET-01", org.snapshot())
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]


def test_missing_login_history_is_not_available():
    org = OrgBuilder()
    org.integration_user()
    result = run_rule(
        "SF-NET-01", org.snapshot(omit=["sobject:LoginHistory"]), make_settings(**NETWORKS)
    )
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
