"""SF-IU-04: integration users must not log in to the UI."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import OrgBuilder, ago, by_resource, make_login, run_rule


def test_ui_login_in_window_fails_with_type_count_last_time_and_ips():
    org = OrgBuilder()
    user = org.integration_user()
    org.add(
        "LoginHistory",
        make_login(user, "Application", "198.51.100.7", when=ago(days=3)),
        make_login(user, "Application", "198.51.100.8", when=ago(days=1), count=4),
        make_login(user, "Remote Access 2.0"),
    )
    finding = run_rule("SF-IU-04", org.snapshot()).findings[0]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.HIGH)
    assert finding.evidence["ui_logins"] == [
        {
            "login_type": "Application",
            "count": 5,
            "last_login": "2026-11-27T12:00:00Z",
            "source_ips": ["198.51.100.7", "198.51.100.8"],
        }
    ]
    # The sentence carries no counts, so an unchanged violation re-imports unchanged.
    assert "logged in to the Salesforce UI" in finding.detail
    assert "5" not in finding.detail


def test_only_api_logins_failed_ui_logins_or_old_ui_logins_pass():
    org = OrgBuilder()
    user = org.integration_user()
    org.add(
        "LoginHistory",
        make_login(user, "Oauth2"),
        make_login(user, "Application", status="Invalid Password"),
        make_login(user, "Lightning Login", when=ago(days=31)),
    )
    assert run_rule("SF-IU-04", org.snapshot()).findings[0].status is Status.PASSED


def test_ui_login_given_as_api_name_counts():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, "PasswordlessLogin"))
    assert run_rule("SF-IU-04", org.snapshot()).findings[0].status is Status.FAILED


def test_unreadable_login_time_is_not_available_not_passed():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, "Application", when="yesterday"))
    result = run_rule("SF-IU-04", org.snapshot())
    assert by_resource(result)[user["Id"]].status is Status.NOT_AVAILABLE
    assert "SF-IU-04" in result.incomplete_rules


def test_missing_login_history_is_not_available():
    org = OrgBuilder()
    org.integration_user()
    result = run_rule("SF-IU-04", org.snapshot(unavailable={"sobject:LoginHistory": "denied"}))
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]


@pytest.mark.parametrize(
    "login_type",
    [
        "Certificate-based login",  # interactive and mobile, not an API login
        "Passwordless Login via Passkeys",
        "EmployeeLoginToCommunity",
        "Help And Training",
        "Offline Client",
    ],
)
def test_every_documented_ui_login_type_fails(login_type):
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, login_type))
    finding = run_rule("SF-IU-04", org.snapshot()).findings[0]
    assert finding.status is Status.FAILED
    assert finding.evidence["ui_logins"][0]["login_type"] == login_type


def test_an_unknown_login_type_warns_naming_it_and_never_passes():
    org = OrgBuilder()
    user = org.integration_user()
    org.add("LoginHistory", make_login(user, "Quantum Teleport Login"))
    org.add("LoginHistory", make_login(user, "Quantum Teleport Login", status="Failed"))
    finding = run_rule("SF-IU-04", org.snapshot()).findings[0]
    assert finding.status is Status.WARNING
    assert "'Quantum Teleport Login'" in finding.detail
    assert [u["login_type"] for u in finding.evidence["unknown_logins"]] == [
        "Quantum Teleport Login"
    ]
    assert finding.evidence["unknown_logins"][0]["count"] == 1  # failed attempts do not count


def test_an_unknown_login_type_does_not_count_toward_behavior():
    org = OrgBuilder()
    person = org.person("alice@acme.com")
    org.add("LoginHistory", make_login(person, "Quantum Teleport Login"))
    assert run_rule("SF-IU-04", org.snapshot()).findings == ()


def test_unreadable_login_history_makes_each_integration_user_not_available_by_name():
    org = OrgBuilder()
    user = org.integration_user()
    result = run_rule(
        "SF-IU-04", org.snapshot(unavailable={"sobject:LoginHistory": "INSUFFICIENT_ACCESS"})
    )
    assert [(f.resource_id, f.status) for f in result.findings] == [
        (user["Id"], Status.NOT_AVAILABLE)
    ]
    assert "sobject:LoginHistory" in result.findings[0].detail
    assert "SF-IU-04" in result.incomplete_rules
