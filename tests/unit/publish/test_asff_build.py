"""ASFF built from stored findings: what Security Hub shows and what stays stable across scans."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from publish_builders import (
    ACCOUNT,
    FIRST_SEEN,
    ORG_ID,
    ORG_NAME,
    PUBLISH_AT,
    REGION,
    SCAN_AT,
    make_finding,
    make_tracked,
    resolved,
)
from sfscan.domain.findings import Severity, Status
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.engine import ScanResult
from sfscan.publish.asff import FINDING_TYPE, build_asff_finding, findings_to_asff
from sfscan.publish.asff_validate import validate_finding


def build(tracked: TrackedFinding, **kwargs: object) -> dict:
    args: dict = {
        "account_id": ACCOUNT,
        "region": REGION,
        "updated_at": PUBLISH_AT,
        "org_name": ORG_NAME,
    }
    args.update(kwargs)
    asff = build_asff_finding(tracked, **args)
    assert validate_finding(asff) == []
    return asff


def test_failed_finding_carries_everything_a_security_hub_user_sees() -> None:
    asff = build(make_tracked())

    assert asff["SchemaVersion"] == "2018-10-08"
    assert asff["Id"] == f"sfscan/{ORG_ID}/SF-IU-01/0055g00000AbCdEAAZ"
    assert asff["ProductArn"] == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    assert asff["GeneratorId"] == "sfscan/SF-IU-01"
    assert asff["AwsAccountId"] == ACCOUNT
    assert asff["CreatedAt"] == asff["FirstObservedAt"] == "2026-11-01T03:00:05.000Z"
    assert asff["LastObservedAt"] == "2026-11-28T03:00:05.000Z"
    assert asff["UpdatedAt"] == "2026-11-28T03:00:35.000Z"
    assert asff["Severity"] == {"Label": "CRITICAL", "Original": "CRITICAL"}
    assert asff["FindingProviderFields"] == {
        "Severity": {"Label": "CRITICAL", "Original": "CRITICAL"},
        "Types": [FINDING_TYPE],
    }
    assert asff["Types"] == [
        "Software and Configuration Checks/Industry and Regulatory Standards/"
        "Salesforce Security Guidance"
    ]
    # The org's name tells findings of several orgs apart in one Security Hub list.
    assert asff["Title"] == (
        "SF-IU-01 Integration user can log in to the UI (not API Only): etl@acme.example"
        f" in {ORG_NAME}"
    )
    assert (asff["ProductName"], asff["CompanyName"]) == ("sfscan Salesforce scanner", "sfscan")
    assert "Note" not in asff  # only a suppressed finding carries a note
    assert asff["Description"].startswith("etl@acme.example is an integration user")
    assert asff["Compliance"]["Status"] == "FAILED"
    assert "StatusReasons" not in asff["Compliance"]
    assert asff["RecordState"] == "ACTIVE"
    assert asff["Workflow"] == {"Status": "NEW"}
    assert asff["Remediation"]["Recommendation"] == {
        "Text": "Give the user a profile or permission set with 'API Only User'.",
        "Url": "https://help.salesforce.com/s/articleView?id=sf.integration_user.htm",
    }
    assert asff["ProductFields"]["sfscan/rule_id"] == "SF-IU-01"
    assert asff["ProductFields"]["sfscan/org_id"] == ORG_ID
    assert asff["ProductFields"]["ProviderName"] == "sfscan"
    assert asff["ProductFields"]["ProviderVersion"]
    [resource] = asff["Resources"]
    assert resource["Type"] == "Other"
    # The username a person knows, beside the Id that survives a rename.
    assert resource["Id"] == f"salesforce:{ORG_ID}:User:etl@acme.example (0055g00000AbCdEAAZ)"
    assert resource["Partition"] == "aws"
    assert resource["Region"] == REGION
    assert resource["Details"]["Other"] == {
        "org_id": ORG_ID,
        "org_name": ORG_NAME,
        "resource_type": "User",
        "resource_id": "0055g00000AbCdEAAZ",
        "resource_name": "etl@acme.example",
        "reasons": '["license","run-as"]',
    }
    assert "SourceUrl" not in asff  # the instance URL was not given


def test_passed_finding_is_informational_archived_and_keeps_the_rule_severity() -> None:
    asff = build(make_tracked(make_finding(status=Status.PASSED)))

    assert asff["Severity"] == {"Label": "INFORMATIONAL", "Original": "CRITICAL"}
    assert asff["FindingProviderFields"]["Severity"]["Label"] == "INFORMATIONAL"
    assert asff["Compliance"]["Status"] == "PASSED"
    assert asff["RecordState"] == "ARCHIVED"


def test_not_available_keeps_the_violation_active_and_says_why() -> None:
    finding = make_finding(
        status=Status.NOT_AVAILABLE,
        detail="Not judged: the data this rule needs could not be read (sobject:User: denied).",
    )
    asff = build(make_tracked(finding, open=True, transition=Transition.UNCHANGED))

    assert asff["Severity"] == {"Label": "INFORMATIONAL", "Original": "CRITICAL"}
    assert asff["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert asff["Compliance"]["StatusReasons"] == [
        {"ReasonCode": "DATA_NOT_AVAILABLE", "Description": finding.detail}
    ]
    assert asff["RecordState"] == "ACTIVE"  # never resolves an open violation


def test_suppressed_finding_goes_to_security_hub_as_suppressed_and_still_failed() -> None:
    asff = build(make_tracked(make_finding(suppressed=True)))

    assert asff["Workflow"] == {"Status": "SUPPRESSED"}
    assert asff["Compliance"]["Status"] == "FAILED"
    assert asff["Severity"]["Label"] == "CRITICAL"
    assert asff["RecordState"] == "ACTIVE"


def test_resolved_violation_is_archived_under_the_same_id() -> None:
    failed = make_finding()
    before = build(make_tracked(failed))
    after = build(resolved(failed), updated_at=PUBLISH_AT + timedelta(days=1))

    assert after["Id"] == before["Id"]
    assert after["CreatedAt"] == before["CreatedAt"]
    assert after["RecordState"] == "ARCHIVED"
    assert after["Compliance"]["Status"] == "PASSED"


def test_violation_whose_resource_disappeared_is_archived_with_a_reason() -> None:
    gone = make_tracked(make_finding(), open=False, transition=Transition.RESOLVED)
    asff = build(gone)

    assert asff["RecordState"] == "ARCHIVED"
    assert asff["Compliance"]["StatusReasons"][0]["ReasonCode"] == "RESOURCE_NO_LONGER_PRESENT"


def test_unchanged_violation_looks_the_same_in_every_scan() -> None:
    finding = make_finding(evidence={"reasons": ["license"], "last_login": "2026-11-27"})
    first = build(make_tracked(finding, last_seen=SCAN_AT))
    later_scan = SCAN_AT + timedelta(days=7)
    second = build(
        make_tracked(
            replace(finding, evidence={"reasons": ["license"], "last_login": "2026-12-04"}),
            last_seen=later_scan,
            transition=Transition.UNCHANGED,
        ),
        updated_at=later_scan + timedelta(seconds=30),
    )

    for stable in ("Id", "Title", "Description", "Severity", "Compliance", "CreatedAt", "Types"):
        assert first[stable] == second[stable], stable
    assert second["UpdatedAt"] > first["UpdatedAt"]
    assert second["LastObservedAt"] > first["LastObservedAt"]


def test_very_long_resource_ids_get_distinct_stable_ids_within_512_chars() -> None:
    a = make_finding("SF-CA-01", resource_id="App_" + "x" * 600)
    b = make_finding("SF-CA-01", resource_id="App_" + "x" * 599 + "y")

    id_a, id_b = build(make_tracked(a))["Id"], build(make_tracked(b))["Id"]

    assert len(id_a) <= 512 and len(id_b) <= 512
    assert id_a != id_b
    assert id_a == build(make_tracked(a))["Id"]
    assert id_a.startswith(f"sfscan/{ORG_ID}/SF-CA-01/App_xxx")


def test_long_texts_are_cut_to_the_asff_limits_with_an_ellipsis() -> None:
    finding = replace(
        make_finding(resource_name="n" * 300, detail="d" * 2000),
        remediation=replace(make_finding().remediation, text="r" * 700),
    )
    asff = build(make_tracked(finding))

    assert len(asff["Title"]) <= 256 and "n..." in asff["Title"]
    assert asff["Title"].endswith(f" in {ORG_NAME}")  # the org's name is never the part cut
    assert len(asff["Description"]) == 1024 and asff["Description"].endswith("...")
    assert len(asff["Remediation"]["Recommendation"]["Text"]) == 512


def test_evidence_values_become_compact_strings_under_1024_chars() -> None:
    evidence = {
        "ranges": [{"start": "10.0.0.0", "end": "10.0.0.255"}],
        "count": 3,
        "long": "v" * 5000,
    }
    other = build(make_tracked(make_finding(evidence=evidence)))["Resources"][0]["Details"]["Other"]

    assert other["ranges"] == '[{"start":"10.0.0.0","end":"10.0.0.255"}]'  # as the rule wrote it
    assert other["count"] == "3"
    assert len(other["long"]) == 1023 and other["long"].endswith("...")


def test_evidence_with_too_many_keys_is_cut_to_50_pairs_naming_what_was_left_out() -> None:
    evidence = {f"key{i:02}": i for i in range(60)}
    other = build(make_tracked(make_finding(evidence=evidence)))["Resources"][0]["Details"]["Other"]

    assert len(other) == 50
    assert other["key00"] == "0"
    assert "key59" not in other
    assert "key59" in other["evidence_omitted"].split(",")


def test_blank_org_name_is_left_out_rather_than_sent_blank() -> None:
    asff = build(make_tracked(), org_name="")

    assert "org_name" not in asff["Resources"][0]["Details"]["Other"]


def test_source_url_opens_the_user_in_setup_when_the_instance_is_known() -> None:
    asff = build(make_tracked(), instance_url="https://acme.my.salesforce.com/")

    assert asff["SourceUrl"] == (
        "https://acme.my.salesforce.com/lightning/setup/ManageUsers/page"
        "?address=%2F0055g00000AbCdEAAZ%3Fnoredirect%3D1"
    )


def test_source_url_for_apps_and_org_settings_and_never_for_non_https() -> None:
    app = build(
        make_tracked(make_finding("SF-CA-01", resource_id="Acme_ETL")),
        instance_url="https://acme.my.salesforce.com",
    )
    org = build(
        make_tracked(make_finding("SF-ORG-01", resource_id=ORG_ID)),
        instance_url="https://acme.my.salesforce.com",
    )
    insecure = build(make_tracked(), instance_url="http://acme.my.salesforce.com")

    assert app["SourceUrl"].endswith("/lightning/setup/ConnectedApplication/home")
    assert org["SourceUrl"].endswith("/lightning/setup/SecuritySession/home")
    assert "SourceUrl" not in insecure


def test_updated_at_before_first_seen_is_refused() -> None:
    with pytest.raises(ValueError, match="earlier than CreatedAt"):
        build_asff_finding(
            make_tracked(),
            account_id=ACCOUNT,
            region=REGION,
            updated_at=FIRST_SEEN - timedelta(seconds=1),
        )


def test_other_partitions_reach_the_product_arn_and_resource() -> None:
    asff = build(make_tracked(), partition="aws-us-gov", region="us-gov-west-1")

    assert asff["ProductArn"].startswith("arn:aws-us-gov:securityhub:us-gov-west-1:")
    assert asff["Resources"][0]["Partition"] == "aws-us-gov"


def test_scan_result_as_asff_uses_the_evaluation_time() -> None:
    result = ScanResult(
        org_id=ORG_ID,
        org_name=ORG_NAME,
        evaluated_at=SCAN_AT,
        findings=(
            make_finding(),
            make_finding("SF-IU-02", status=Status.PASSED, severity=Severity.HIGH),
        ),
    )

    out = findings_to_asff(result, account_id=ACCOUNT, region=REGION)
    later = findings_to_asff(result, account_id=ACCOUNT, region=REGION, now=PUBLISH_AT)

    assert [f["Compliance"]["Status"] for f in out] == ["FAILED", "PASSED"]
    assert all(f["CreatedAt"] == f["UpdatedAt"] == "2026-11-28T03:00:05.000Z" for f in out)
    assert later[0]["UpdatedAt"] == "2026-11-28T03:00:35.000Z"
    assert later[0]["CreatedAt"] == "2026-11-28T03:00:05.000Z"
    assert out[0]["Resources"][0]["Details"]["Other"]["org_name"] == ORG_NAME
    assert all(validate_finding(f) == [] for f in out + later)


def test_a_suppressed_finding_carries_its_reason_as_a_note_from_the_first_import() -> None:
    finding = replace(make_finding(), suppressed=True)
    risk = AcceptedRisk(reason="CHG-4711 vendor VPN", expires=datetime(2027, 3, 31, tzinfo=UTC))
    asff = build(replace(make_tracked(finding), accepted_risk=risk))
    assert asff["Workflow"] == {"Status": "SUPPRESSED"}
    assert asff["Note"]["UpdatedBy"] == "sfscan" and asff["Note"]["UpdatedAt"] == asff["UpdatedAt"]
    assert "CHG-4711 vendor VPN" in asff["Note"]["Text"]
    assert "2027-03-31T00:00:00.000Z" in asff["Note"]["Text"]
    assert validate_finding(asff) == []


def test_an_org_under_attack_gives_a_bounded_finding_with_the_most_used_ips() -> None:
    ips = {f"10.{i // 65536}.{i // 256 % 256}.{i % 256}": {"count": i} for i in range(100_000)}
    finding = make_finding(evidence={"outside_ips": ips, "api_logins": 5_000_000})
    asff = build(make_tracked(finding))
    other = asff["Resources"][0]["Details"]["Other"]
    assert other["outside_ips_total"] == "100000"
    assert other["outside_ips"].startswith('{"10.1.134.159":{"count":99999')
    assert all(len(v) <= 1023 for v in other.values())
    assert validate_finding(asff) == []
