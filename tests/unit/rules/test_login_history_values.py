"""LoginHistory values as real orgs and exports give them."""

from datetime import timedelta

from sfscan.domain.findings import Status
from sfscan.domain.snapshot import Snapshot

from tests.builders import (
    NOW,
    OrgBuilder,
    iso,
    make_ip_range,
    make_login,
    make_settings,
    run_rule,
)

NETWORKS = {"allowed_networks": ["203.0.113.0/24"]}


def with_collected_window(snapshot: Snapshot, days: int) -> Snapshot:
    window = {"from": iso(NOW - timedelta(days=days)), "to": iso(NOW)}
    return snapshot.model_copy(update={"collection": {"login_history_window": window}})


def test_a_lowercase_or_padded_success_status_still_counts_as_a_ui_login():
    org = OrgBuilder()
    lower = org.integration_user("a@acme.com")
    padded = org.integration_user("b@acme.com")
    org.add(
        "LoginHistory",
        make_login(lower, "Application", status="success"),
        make_login(padded, "Application", status=" SUCCESS "),
    )
    statuses = {f.resource_id: f.status for f in run_rule("SF-IU-04", org.snapshot()).findings}
    assert statuses == {lower["Id"]: Status.FAILED, padded["Id"]: Status.FAILED}


def test_a_lowercase_success_status_counts_as_an_api_login_from_outside():
    org = OrgBuilder()
    org.integration_user()
    org.add(
        "LoginHistory",
        make_login(org.sobjects["User"][0], source_ip="198.51.100.9", status="success"),
    )
    result = run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS))
    assert [f.status for f in result.findings] == [Status.FAILED]


def test_aggregated_counts_given_as_text_are_read_as_numbers():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, "Application", count="7"))  # type: ignore[arg-type]
    finding = run_rule("SF-IU-04", org.snapshot()).findings[0]
    assert finding.status is Status.FAILED
    assert finding.evidence["ui_logins"][0]["count"] == 7


def test_an_ipv4_mapped_ipv6_source_ip_is_judged_as_its_ipv4_address():
    org = OrgBuilder()
    inside = org.integration_user("a@acme.com")
    outside = org.integration_user("b@acme.com")
    org.add(
        "LoginHistory",
        make_login(inside, source_ip="::ffff:203.0.113.5"),
        make_login(outside, source_ip="::ffff:198.51.100.5"),
    )
    result = run_rule("SF-NET-01", org.snapshot(), make_settings(**NETWORKS))
    statuses = {f.resource_id: f.status for f in result.findings}
    assert statuses == {inside["Id"]: Status.PASSED, outside["Id"]: Status.FAILED}


def test_an_ipv4_mapped_login_ip_range_is_judged_as_ipv4():
    org = OrgBuilder()
    org.integration_user()
    org.add(
        "LoginIpRange",
        make_ip_range(org.integration_profile, "::ffff:203.0.113.0", "203.0.113.255"),
    )
    finding = run_rule("SF-IU-03", org.snapshot(), make_settings(**NETWORKS)).findings[0]
    assert finding.status is Status.PASSED


def test_login_history_collected_for_a_shorter_window_than_judged_never_passes():
    """Collected with lookback 7 days, judged with 30: a UI login 20 days ago was never read."""
    org = OrgBuilder()
    quiet = org.integration_user("quiet@acme.com")
    loud = org.integration_user("loud@acme.com")
    org.add("LoginHistory", make_login(loud, "Application"))
    snapshot = with_collected_window(org.snapshot(), days=7)
    result = run_rule("SF-IU-04", snapshot, make_settings(lookback_days=30))
    statuses = {f.resource_id: f.status for f in result.findings}
    assert statuses == {quiet["Id"]: Status.NOT_AVAILABLE, loud["Id"]: Status.FAILED}
    assert "SF-IU-04" in result.incomplete_rules


def test_net_01_does_not_pass_logins_from_a_window_shorter_than_judged():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, source_ip="203.0.113.5"))
    snapshot = with_collected_window(org.snapshot(), days=7)
    result = run_rule("SF-NET-01", snapshot, make_settings(lookback_days=30, **NETWORKS))
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
    assert "SF-NET-01" in result.incomplete_rules


def test_a_collected_window_at_least_as_long_as_judged_is_judged_normally():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, source_ip="203.0.113.5"))
    snapshot = with_collected_window(org.snapshot(), days=30)
    result = run_rule("SF-NET-01", snapshot, make_settings(lookback_days=7, **NETWORKS))
    assert [f.status for f in result.findings] == [Status.PASSED]
    assert run_rule("SF-IU-04", snapshot).findings[0].status is Status.PASSED
