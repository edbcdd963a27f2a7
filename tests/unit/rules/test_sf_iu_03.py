"""SF-IU-03: integration users' Login IP Ranges must lie inside allowed_networks."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import OrgBuilder, by_resource, make_ip_range, make_settings, run_rule

NETWORKS = make_settings(allowed_networks=["203.0.113.0/24", "203.0.114.0/24", "2001:db8::/32"])


def org_with_ranges(*ranges: tuple[str, str]):
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginIpRange", *(make_ip_range(org.integration_profile, s, e) for s, e in ranges))
    return org, user


@pytest.mark.parametrize(
    "ranges",
    [
        [("203.0.113.10", "203.0.113.20")],
        [("203.0.113.0", "203.0.114.255")],  # spans two adjacent allowed networks
        [("2001:db8::1", "2001:db8::ff"), ("203.0.114.1", "203.0.114.1")],
    ],
)
def test_ranges_inside_allowed_networks_pass(ranges):
    org, user = org_with_ranges(*ranges)
    finding = by_resource(run_rule("SF-IU-03", org.snapshot(), NETWORKS))[user["Id"]]
    assert finding.status is Status.PASSED


def test_range_reaching_outside_fails_high_with_the_range():
    org, user = org_with_ranges(("203.0.113.0", "203.0.113.255"), ("0.0.0.0", "255.255.255.255"))
    finding = by_resource(run_rule("SF-IU-03", org.snapshot(), NETWORKS))[user["Id"]]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.HIGH)
    assert finding.evidence["outside_ranges"] == ["0.0.0.0-255.255.255.255"]
    assert finding.evidence["reasons"] == ["license", "profile", "api-only"]
    assert "0.0.0.0-255.255.255.255" in finding.detail


def test_unparseable_range_is_not_available_with_the_bad_value():
    org, user = org_with_ranges(("203.0.113.1", "203.0.113.2"), ("203.0.113.300", "203.0.113.5"))
    finding = by_resource(run_rule("SF-IU-03", org.snapshot(), NETWORKS))[user["Id"]]
    assert finding.status is Status.NOT_AVAILABLE
    assert "203.0.113.300" in finding.evidence["unreadable_ranges"][0]


def test_unparseable_range_does_not_hide_a_range_that_is_outside():
    org, user = org_with_ranges(("bogus", "203.0.113.5"), ("198.51.100.0", "198.51.100.9"))
    finding = by_resource(run_rule("SF-IU-03", org.snapshot(), NETWORKS))[user["Id"]]
    assert finding.status is Status.FAILED
    assert finding.evidence["unreadable_ranges"]


def test_profile_without_range_gets_no_finding():
    org = OrgBuilder()
    org.integration_user()
    assert run_rule("SF-IU-03", org.snapshot(), NETWORKS).findings == ()


def test_empty_allowed_networks_is_not_available_for_the_org():
    org, _ = org_with_ranges(("0.0.0.0", "255.255.255.255"))
    result = run_rule("SF-IU-03", org.snapshot())
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert "allowed_networks" in result.findings[0].detail
    assert "SF-IU-03" in result.incomplete_rules
