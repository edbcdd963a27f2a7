"""The ASFF validator catches what Security Hub rejects but moto and botocore let through."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from publish_builders import ACCOUNT, PUBLISH_AT, REGION, make_finding, make_tracked
from sfscan.domain.findings import Status
from sfscan.publish.asff import build_asff_finding
from sfscan.publish.asff_validate import validate_batch, validate_finding


def valid() -> dict[str, Any]:
    return build_asff_finding(
        make_tracked(), account_id=ACCOUNT, region=REGION, updated_at=PUBLISH_AT
    )


def big_other(pairs: int) -> dict[str, str]:
    return {f"k{i}": "v" * 1000 for i in range(pairs)}


def problems_after(change: Any) -> list[str]:
    finding = copy.deepcopy(valid())
    change(finding)
    return validate_finding(finding)


def test_what_the_builder_makes_is_valid_for_every_status() -> None:
    for status in Status:
        for suppressed in (False, True):
            finding = make_finding(status=status, suppressed=suppressed)
            asff = build_asff_finding(
                make_tracked(finding), account_id=ACCOUNT, region=REGION, updated_at=PUBLISH_AT
            )
            assert validate_finding(asff) == [], (status, suppressed)


@pytest.mark.parametrize(
    "field",
    [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "CreatedAt",
        "UpdatedAt",
        "Title",
        "Description",
        "Resources",
        "Severity",
        "Types",
    ],
)
def test_missing_required_field(field: str) -> None:
    assert f"{field} is required" in problems_after(lambda f: f.pop(field))


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("Title", "t" * 257, "Title has 257 characters; allowed 1-256"),
        ("Description", "d" * 1025, "Description has 1025 characters; allowed 1-1024"),
        ("Id", "i" * 513, "Id has 513 characters; allowed 1-512"),
        ("GeneratorId", "g" * 513, "GeneratorId has 513 characters; allowed 1-512"),
    ],
)
def test_too_long_strings(field: str, value: str, expected: str) -> None:
    assert expected in problems_after(lambda f: f.__setitem__(field, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("Compliance", "Status"), "BROKEN"),
        (("RecordState",), "DELETED"),
        (("Workflow", "Status"), "DONE"),
        (("Severity", "Label"), "BOGUS"),
        (("FindingProviderFields", "Severity", "Label"), "SEVERE"),
    ],
)
def test_values_outside_an_enum(path: tuple[str, ...], value: str) -> None:
    def change(f: dict[str, Any]) -> None:
        target = f
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    problems = problems_after(change)
    assert any(repr(value) in p and "is not one of" in p for p in problems), problems


def test_unknown_schema_version() -> None:
    problems = problems_after(lambda f: f.update(SchemaVersion="1999"))
    assert any("SchemaVersion '1999'" in p for p in problems)


def test_severity_without_label() -> None:
    assert "Severity needs a Label" in problems_after(
        lambda f: f.update(Severity={"Original": "x"})
    )


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2026-11-28 03:00:00Z",
        "2026-11-28T03:00:00",
        "2026-11-28T03:00:00+19:00",
        "2026-13-28T03:00:00Z",
    ],
)
def test_timestamps_that_are_not_rfc3339(value: str) -> None:
    problems = problems_after(lambda f: f.update(LastObservedAt=value))
    assert any(p.startswith("LastObservedAt") and "RFC 3339" in p for p in problems), problems


@pytest.mark.parametrize(
    "value",
    [
        "2019-01-31T23:00:00Z",
        "2026-11-28T03:00:00.123456789Z",
        "2026-11-28T08:30:00+05:30",
        "2026-11-27T19:00:00-0800",
    ],
)
def test_rfc3339_forms_security_hub_accepts(value: str) -> None:
    assert problems_after(lambda f: f.update(LastObservedAt=value)) == []


def test_updated_before_created() -> None:
    problems = problems_after(lambda f: f.update(UpdatedAt="2020-01-01T00:00:00Z"))
    assert "UpdatedAt is earlier than CreatedAt" in problems


@pytest.mark.parametrize("account", ["1234", "12345678901a", "1234567890123"])
def test_account_id_not_12_digits(account: str) -> None:
    problems = problems_after(lambda f: f.update(AwsAccountId=account))
    assert any("must be exactly 12 digits" in p for p in problems)


def test_product_arn_malformed() -> None:
    problems = problems_after(lambda f: f.update(ProductArn="arn:aws:securityhub:us-east-1:bogus"))
    assert any(p.startswith("ProductArn") and "must look like" in p for p in problems)


def test_product_arn_of_another_account() -> None:
    other = "arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default"
    problems = problems_after(lambda f: f.update(ProductArn=other))
    assert "ProductArn account must equal AwsAccountId (product/<AwsAccountId>/default)" in problems


def test_blank_strings_anywhere() -> None:
    def change(f: dict[str, Any]) -> None:
        f["Title"] = "   "
        f["Resources"][0]["Details"]["Other"]["org_name"] = ""

    problems = problems_after(change)
    assert "Title is blank" in problems
    assert "Resources[0].Details.Other.org_name is blank" in problems


def test_details_other_too_many_pairs() -> None:
    def change(f: dict[str, Any]) -> None:
        f["Resources"][0]["Details"]["Other"] = {f"k{i}": "v" for i in range(51)}

    assert "Resources[0].Details.Other has 51 pairs; at most 50" in problems_after(change)


def test_details_other_key_and_value_too_long() -> None:
    def change(f: dict[str, Any]) -> None:
        f["Resources"][0]["Details"]["Other"] = {"k" * 128: "v", "value": "v" * 1024}

    problems = problems_after(change)
    assert any("has 128 characters; at most 127" in p for p in problems)
    assert "Resources[0].Details.Other.value has 1024 characters; at most 1023" in problems


def test_too_many_or_incomplete_resources() -> None:
    def too_many(f: dict[str, Any]) -> None:
        f["Resources"] = [{"Type": "Other", "Id": f"r{i}"} for i in range(33)]

    assert "Resources has 33 items; at most 32" in problems_after(too_many)
    assert "Resources[0].Id is required" in problems_after(lambda f: f["Resources"][0].pop("Id"))


@pytest.mark.parametrize(
    ("finding_type", "expected"),
    [
        ("Software and Configuration Checks/a/b/c", "must be namespace/category/classifier"),
        ("Compliance Checks/Salesforce", "has an unknown namespace 'Compliance Checks'"),
        ("Software and Configuration Checks//x", "must be namespace/category/classifier"),
    ],
)
def test_types_format_and_namespace(finding_type: str, expected: str) -> None:
    problems = problems_after(lambda f: f.update(Types=[finding_type]))
    assert any(p.startswith("Types entry") and expected in p for p in problems), problems


def test_provider_fields_types_are_checked_too() -> None:
    problems = problems_after(lambda f: f["FindingProviderFields"].update(Types=["Bad/Type"]))
    assert any(p.startswith("FindingProviderFields.Types entry") for p in problems)


def test_product_fields_reserved_prefix_and_value_length() -> None:
    def change(f: dict[str, Any]) -> None:
        f["ProductFields"]["aws/securityhub/ProductName"] = "x"
        f["ProductFields"]["sfscan/big"] = "v" * 2049

    problems = problems_after(change)
    assert any("reserved aws/ prefix" in p for p in problems)
    assert "ProductFields.sfscan/big has 2049 characters; at most 2048" in problems


def test_recommendation_text_too_long() -> None:
    problems = problems_after(lambda f: f["Remediation"]["Recommendation"].update(Text="r" * 513))
    assert any(p.startswith("Remediation.Recommendation.Text") for p in problems)


def test_user_defined_fields_belong_to_the_customer() -> None:
    problems = problems_after(lambda f: f.update(UserDefinedFields={"team": "x"}))
    assert any(p.startswith("UserDefinedFields") for p in problems)


def test_finding_over_240_kb() -> None:
    def change(f: dict[str, Any]) -> None:
        f["Resources"] = [
            {"Type": "Other", "Id": f"r{i}", "Details": {"Other": big_other(10)}} for i in range(30)
        ]

    problems = problems_after(change)
    assert any(p.startswith("the finding is") and "at most 245760" in p for p in problems)


def test_batch_over_100_findings_is_refused() -> None:
    findings = []
    for i in range(101):
        f = valid()
        f["Id"] = f"sfscan/x/{i}"
        findings.append(f)
    with pytest.raises(ValueError, match="a batch has 101 findings; at most 100"):
        validate_batch(findings)
    validate_batch(findings[:100])  # exactly 100 is fine


def test_batch_names_the_bad_finding_and_duplicate_ids() -> None:
    bad = valid()
    bad["Title"] = "t" * 300
    with pytest.raises(ValueError) as raised:
        validate_batch([valid(), valid(), bad])
    message = str(raised.value)
    assert f"{bad['Id']}: the same Id appears twice in one batch" in message
    assert f"{bad['Id']}: Title has 300 characters" in message


def test_batch_over_6_mb_and_empty_batch() -> None:
    findings = []
    for i in range(32):
        f = valid()
        f["Id"] = f"sfscan/x/{i}"
        f["Resources"] = [
            {"Type": "Other", "Id": f"r{j}", "Details": {"Other": big_other(7)}} for j in range(30)
        ]
        findings.append(f)
    with pytest.raises(ValueError, match="at most 6291456"):
        validate_batch(findings)
    with pytest.raises(ValueError, match="at least one finding"):
        validate_batch([])
