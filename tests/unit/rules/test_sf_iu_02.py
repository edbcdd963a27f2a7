"""SF-IU-02: integration users' profiles must have Login IP Ranges."""

from sfscan.domain.findings import Severity, Status

from tests.builders import OrgBuilder, by_resource, make_ip_range, run_rule


def test_profile_with_ranges_passes_and_profile_without_fails():
    org = OrgBuilder()
    ranged = org.integration_user("etl@acme.com")
    other_profile = org.profile("Minimum Access - API Only Integrations 2", api_only=True)
    bare = org.user("sync@acme.com", other_profile)
    org.add("LoginIpRange", make_ip_range(org.integration_profile, "203.0.113.0", "203.0.113.255"))
    found = by_resource(run_rule("SF-IU-02", org.snapshot()))
    assert found[ranged["Id"]].status is Status.PASSED
    assert found[ranged["Id"]].evidence["login_ip_ranges"] == ["203.0.113.0-203.0.113.255"]
    failed = found[bare["Id"]]
    assert (failed.status, failed.severity) == (Status.FAILED, Severity.HIGH)
    assert failed.evidence["reasons"] == ["api-only"]
    assert "Minimum Access - API Only Integrations 2" in failed.detail


def test_unreadable_login_ip_ranges_make_the_rule_not_available():
    org = OrgBuilder()
    org.integration_user()
    result = run_rule(
        "SF-IU-02", org.snapshot(unavailable={"sobject:LoginIpRange": "INVALID_TYPE"})
    )
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
    assert result.findings[0].evidence["missing"] == {"sobject:LoginIpRange": "INVALID_TYPE"}


def test_login_ip_range_not_collected_is_not_available():
    org = OrgBuilder()
    org.integration_user()
    result = run_rule("SF-IU-02", org.snapshot(omit=["sobject:LoginIpRange"]))
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
