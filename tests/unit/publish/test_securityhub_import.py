"""Importing into Security Hub: moto as the sink, a stub client for the failures moto never has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from publish_builders import (
    ACCOUNT,
    PUBLISH_AT,
    REGION,
    SCAN_AT,
    make_finding,
    make_tracked,
    resolved,
)
from sfscan.domain.errors import SfscanError
from sfscan.domain.findings import Status
from sfscan.domain.lifecycle import Transition
from sfscan.publish.asff import build_asff_finding
from sfscan.publish.asff_validate import serialized_size
from sfscan.publish.errors import SecurityHubNotEnabledError
from sfscan.publish.securityhub import ImportReport, SecurityHubPublisher


def asff(finding: Any = None, **tracked_kwargs: Any) -> dict[str, Any]:
    updated_at = tracked_kwargs.pop("updated_at", PUBLISH_AT)
    return build_asff_finding(
        make_tracked(finding, **tracked_kwargs),
        account_id=ACCOUNT,
        region=REGION,
        updated_at=updated_at,
        org_name="Acme Corporation",
        instance_url="https://acme.my.salesforce.com",
    )


def many(count: int) -> list[dict[str, Any]]:
    return [asff(make_finding(resource_id=f"0055g00000User{i:04}")) for i in range(count)]


@pytest.fixture
def securityhub() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("securityhub", region_name=REGION)
        client.enable_security_hub()
        yield client


def all_findings(client: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate():
        found.update({f["Id"]: f for f in page["Findings"]})
    return found


class Recorder:
    """Wraps a client and records the size of each BatchImportFindings call."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.sizes: list[int] = []
        self.meta = client.meta

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        self.sizes.append(len(Findings))
        return self.client.batch_import_findings(Findings=Findings)


class StubSecurityHub:
    """Replays scripted outcomes: a dict response, or an exception to raise."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.sent: list[list[str]] = []

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        self.sent.append([f["Id"] for f in Findings])
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome(Findings) if callable(outcome) else outcome


def failing(ids_and_codes: dict[str, str]) -> Any:
    def respond(findings: list[dict[str, Any]]) -> dict[str, Any]:
        failed = [
            {"Id": f["Id"], "ErrorCode": ids_and_codes[f["Id"]], "ErrorMessage": "refused"}
            for f in findings
            if f["Id"] in ids_and_codes
        ]
        return {
            "FailedCount": len(failed),
            "SuccessCount": len(findings) - len(failed),
            "FailedFindings": failed,
        }

    return respond


OK = failing({})


def throttled(code: str = "ThrottlingException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "BatchImportFindings")


def test_every_kind_of_finding_imports_and_reads_back(securityhub: Any) -> None:
    failed = make_finding()
    sent = [
        asff(failed),
        asff(make_finding("SF-IU-02", status=Status.PASSED)),
        asff(make_finding("SF-IU-05", status=Status.NOT_AVAILABLE), open=True),
        asff(make_finding("SF-CA-01", resource_id="Acme_ETL", suppressed=True)),
        build_asff_finding(
            resolved(make_finding("SF-ORG-01", resource_id="00D5g000001AbCdEAK")),
            account_id=ACCOUNT,
            region=REGION,
            updated_at=PUBLISH_AT,
        ),
        asff(
            make_finding("SF-IU-01", resource_id="0055g00000Gone0AAA"),
            open=False,
            transition=Transition.RESOLVED,
        ),
    ]

    report = SecurityHubPublisher(securityhub).import_findings(sent)

    assert report == ImportReport(imported=6, failed={}, calls=1)
    stored = all_findings(securityhub)
    assert set(stored) == {f["Id"] for f in sent}
    for finding in sent:
        got = stored[finding["Id"]]
        for key in ("Title", "Severity", "Compliance", "RecordState", "Workflow", "Resources"):
            assert got[key] == finding[key], key


def test_reimport_keeps_id_and_created_at_and_moves_updated_at(securityhub: Any) -> None:
    publisher = SecurityHubPublisher(securityhub)
    finding = make_finding()
    publisher.import_findings([asff(finding)])
    next_scan = SCAN_AT + timedelta(days=1)
    publisher.import_findings(
        [asff(finding, last_seen=next_scan, updated_at=next_scan + timedelta(seconds=30))]
    )

    [stored] = all_findings(securityhub).values()
    assert stored["Id"] == asff(finding)["Id"]
    assert stored["CreatedAt"] == "2026-11-01T03:00:05.000Z"
    assert stored["UpdatedAt"] == "2026-11-29T03:00:35.000Z"
    assert stored["LastObservedAt"] == "2026-11-29T03:00:05.000Z"


def test_250_findings_go_in_three_calls_of_at_most_100(securityhub: Any) -> None:
    recorder = Recorder(securityhub)

    report = SecurityHubPublisher(recorder).import_findings(many(250))

    assert recorder.sizes == [100, 100, 50]
    assert report == ImportReport(imported=250, failed={}, calls=3)
    assert len(all_findings(securityhub)) == 250


def test_security_hub_not_enabled_is_a_clear_error() -> None:
    findings = many(2)
    stub = StubSecurityHub([failing({f["Id"]: "InvalidAccess" for f in findings})])

    with pytest.raises(SecurityHubNotEnabledError, match="enable Security Hub CSPM") as raised:
        SecurityHubPublisher(stub).import_findings(findings)
    assert isinstance(raised.value, SfscanError)


def test_access_denied_call_is_a_clear_error_naming_the_permission() -> None:
    denied = ClientError(
        {"Error": {"Code": "InvalidAccessException", "Message": "not subscribed"}},
        "BatchImportFindings",
    )

    with pytest.raises(SecurityHubNotEnabledError, match="securityhub:BatchImportFindings"):
        SecurityHubPublisher(StubSecurityHub([denied])).import_findings(many(1))


def test_an_invalid_finding_is_reported_and_the_rest_still_imported(securityhub: Any) -> None:
    good, bad = many(2)
    bad = {**bad, "Title": " "}

    report = SecurityHubPublisher(securityhub).import_findings([good, bad])

    assert report.imported == 1
    assert report.failed[bad["Id"]].startswith("invalid ASFF: ")
    assert "Title is blank" in report.failed[bad["Id"]]
    assert set(all_findings(securityhub)) == {good["Id"]}


def test_the_same_id_twice_in_one_call_sends_the_last_version(securityhub: Any) -> None:
    finding = make_finding()
    first = asff(finding)
    second = asff(replace(finding, status=Status.PASSED), open=False)

    report = SecurityHubPublisher(securityhub).import_findings([first, second])

    assert report.imported == 1
    [stored] = all_findings(securityhub).values()
    assert stored["Compliance"]["Status"] == "PASSED"


def test_batches_stay_under_6_mb_even_below_100_findings() -> None:
    findings = many(40)
    for finding in findings:  # ~210 KB each: valid alone, too many for one 6 MB call
        finding["Resources"][0]["Details"]["Other"] = {f"k{i}": "v" * 1000 for i in range(49)}
        finding["Resources"] = [
            {**finding["Resources"][0], "Id": f"{finding['Resources'][0]['Id']}/{j}"}
            for j in range(4)
        ]
    stub = StubSecurityHub([OK])
    sent_bytes: list[int] = []
    original = stub.batch_import_findings

    def measure(*, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        sent_bytes.append(sum(serialized_size(f) for f in Findings))
        return original(Findings=Findings)

    stub.batch_import_findings = measure  # type: ignore[method-assign]

    report = SecurityHubPublisher(stub).import_findings(findings)

    assert report.imported == 40 and report.failed == {}
    assert len(sent_bytes) == 2
    assert all(size <= 6 * 1024 * 1024 for size in sent_bytes)


def test_a_transient_refusal_is_reported_not_retried_here() -> None:
    # One retry layer: botocore retries the call; a refusal inside a 200 response goes back to
    # the caller, whose stream record is retried (and whose next publish sends it again).
    findings = many(2)
    ids = [f["Id"] for f in findings]
    stub = StubSecurityHub([failing({ids[0]: "TooManyRequestsException"})])
    report = SecurityHubPublisher(stub).import_findings(findings)
    assert len(stub.sent) == 1 and report.calls == 1
    assert report.imported == 1
    assert report.failed == {ids[0]: "TooManyRequestsException: refused"}


def test_a_throttled_call_is_one_attempt_on_top_of_botocores_retries() -> None:
    findings = many(2)
    stub = StubSecurityHub([throttled("LimitExceededException")])
    report = SecurityHubPublisher(stub).import_findings(findings)
    assert len(stub.sent) == 1 and report.imported == 0
    assert set(report.failed) == {f["Id"] for f in findings}


def test_the_functions_security_hub_client_retries_in_botocore(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sfscan.pipeline import runtime

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    retries = runtime.client("securityhub").meta.config.retries
    assert retries["mode"] == "standard"
    assert retries["total_max_attempts"] == 6  # the first call and 5 retries
