"""SF-CA-04: apps holding OAuth tokens must be installed connected apps or external client apps."""

from sfscan.domain.findings import Severity, Status

from tests.builders import (
    OrgBuilder,
    ago,
    by_resource,
    make_connected_app,
    make_connected_application,
    make_eca,
    make_eca_policy,
    make_oauth_token,
    make_snapshot,
    run_rule,
)


def org_with_tokens(*apps: str) -> tuple[OrgBuilder, list[dict]]:
    org = OrgBuilder()
    alice, bob = org.person("alice@acme.com"), org.person("bob@acme.com")
    tokens = []
    for app in apps:
        tokens += [
            make_oauth_token(app, alice, last_used=ago(days=3), use_count=4),
            make_oauth_token(app, bob, last_used=ago(days=1), use_count=2),
        ]
    org.add("OauthToken", *tokens)
    return org, tokens


def test_an_uninstalled_app_holding_tokens_fails_high_with_count_users_and_last_use():
    org, _ = org_with_tokens("Shady Data Loader")
    found = by_resource(run_rule("SF-CA-04", org.snapshot()))
    finding = found["Shady Data Loader"]
    assert (finding.status, finding.severity) == (Status.FAILED, Severity.HIGH)
    assert finding.resource_type == "ConnectedApp"
    assert finding.evidence["token_count"] == 2
    assert finding.evidence["use_count"] == 6
    assert finding.evidence["users"] == ["alice@acme.com", "bob@acme.com"]
    assert finding.evidence["last_used"] == ago(days=1).replace(".000+0000", "Z")
    assert "not installed" in finding.detail


def test_installed_connected_apps_and_external_client_apps_pass():
    org, _ = org_with_tokens("Acme ETL", "Vendor Sync", "Eca Label", "Eca_Policy_Only")
    org.add("ConnectedApplication", make_connected_application("Acme ETL"))
    org.add("metadata:ConnectedApp", make_connected_app("Vendor_Sync", "Vendor Sync"))
    org.add("metadata:ExternalClientApplication", make_eca("Eca_App", "Eca Label"))
    org.add("metadata:ExtlClntAppOauthConfigurablePolicies", make_eca_policy("Eca_Policy_Only"))
    found = by_resource(run_rule("SF-CA-04", org.snapshot()))
    assert {rid: f.status for rid, f in found.items()} == {
        "Acme ETL": Status.PASSED,
        "Vendor Sync": Status.PASSED,
        "Eca Label": Status.PASSED,
        "Eca_Policy_Only": Status.PASSED,
    }


def test_a_managed_app_whose_metadata_is_unreadable_counts_as_installed():
    org, _ = org_with_tokens("DocuSign eSignature")
    snapshot = org.snapshot(
        unavailable={"metadata:ConnectedApp:dsfs__DocuSign_eSignature": "INSUFFICIENT_ACCESS"}
    )
    found = by_resource(run_rule("SF-CA-04", snapshot))
    assert found["DocuSign eSignature"].status is Status.PASSED


def test_an_unreadable_app_list_gives_not_available_never_failed_or_passed():
    org, _ = org_with_tokens("Shady Data Loader")
    snapshot = org.snapshot(unavailable={"sobject:ConnectedApplication": "INSUFFICIENT_ACCESS"})
    result = run_rule("SF-CA-04", snapshot)
    finding = by_resource(result)["Shady Data Loader"]
    assert finding.status is Status.NOT_AVAILABLE
    assert "sobject:ConnectedApplication" in finding.detail
    assert "SF-CA-04" in result.incomplete_rules


def test_unreadable_oauth_tokens_give_one_org_level_not_available():
    result = run_rule("SF-CA-04", make_snapshot(unavailable={"sobject:OauthToken": "denied"}))
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert "SF-CA-04" in result.incomplete_rules


def test_a_truncated_token_read_marks_the_rule_incomplete():
    org, _ = org_with_tokens("Shady Data Loader")
    data = org.snapshot().model_copy(
        update={"collection": {"truncated": {"sobject:OauthToken": "2,500 of 3,100 rows"}}}
    )
    result = run_rule("SF-CA-04", data)
    assert by_resource(result)["Shady Data Loader"].status is Status.FAILED
    assert "2,500 of 3,100 rows" in result.incomplete_rules["SF-CA-04"]


def test_tokens_without_an_app_name_are_a_gap_not_a_finding():
    org = OrgBuilder()
    org.add("OauthToken", make_oauth_token(None, org.person()))
    result = run_rule("SF-CA-04", org.snapshot())
    assert result.findings == ()
    assert "name no app" in result.incomplete_rules["SF-CA-04"]


def test_a_malformed_truncation_note_does_not_crash_the_rule():
    org, _ = org_with_tokens("Shady Data Loader")
    data = org.snapshot().model_copy(update={"collection": {"truncated": "yes"}})
    assert by_resource(run_rule("SF-CA-04", data))["Shady Data Loader"].status is Status.FAILED
