"""`allowed_networks` values that are not a boundary, and Login IP Ranges as stored."""

import pytest
from sfscan.domain.findings import Status

from tests.builders import OrgBuilder, make_ip_range, make_login, make_settings, run_rule


@pytest.mark.parametrize("everything", ["0.0.0.0/0", "::/0"])
@pytest.mark.parametrize("rule_id", ["SF-IU-03", "SF-NET-01"])
def test_a_network_that_is_the_whole_internet_is_no_boundary_to_pass_against(rule_id, everything):
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginIpRange", make_ip_range(org.integration_profile, "0.0.0.0", "255.255.255.255"))
    org.add("LoginIpRange", make_ip_range(org.integration_profile, "::", "ffff::"))
    org.add("LoginHistory", make_login(user, source_ip="198.51.100.1"))
    org.add("LoginHistory", make_login(user, source_ip="2001:db8::1"))
    settings = make_settings(allowed_networks=["10.0.0.0/8", everything])
    result = run_rule(rule_id, org.snapshot(), settings)
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
    assert result.findings[0].resource_type == "Org"
    assert everything in result.findings[0].detail
    assert rule_id in result.incomplete_rules


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("10.0.0.9", "10.0.0.1"),
        ("10.0.0.1", "2001:db8::1"),
        (" 10.0.0.1", "10.0.0.9 "),
        (None, None),
    ],
)
def test_unreadable_or_reversed_ranges_never_pass(start, end):
    org = OrgBuilder()
    org.integration_user()
    org.add("LoginIpRange", make_ip_range(org.integration_profile, start, end))
    finding = run_rule(
        "SF-IU-03", org.snapshot(), make_settings(allowed_networks=["10.0.0.0/8"])
    ).findings[0]
    padded = start == " 10.0.0.1"
    assert finding.status is (Status.PASSED if padded else Status.NOT_AVAILABLE)
