"""BatchUpdateFindings for suppressions: what the note says, valid calls of at most 100 findings,
retries like the import's, and findings Security Hub does not hold are not an error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hub_double import HubWithWorkflow
from moto import mock_aws
from publish_builders import ACCOUNT, PUBLISH_AT, REGION, make_finding, make_tracked
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding
from sfscan.publish.asff import build_asff_finding, finding_id, product_arn
from sfscan.publish.errors import SecurityHubNotEnabledError
from sfscan.publish.securityhub import SecurityHubPublisher
from sfscan.publish.workflow import (
    MAX_NOTE_TEXT,
    WorkflowStatus,
    WorkflowUpdate,
    suppression_note,
    workflow_updates,
)

PRODUCT = product_arn(partition="aws", region=REGION, account_id=ACCOUNT)
EXPIRES = datetime(2027, 3, 31, tzinfo=UTC)


def suppressed(resource_id: str = "0055g00000AbCdEAAZ", reason: str = "CHG-1") -> TrackedFinding:
    return replace(
        make_tracked(make_finding(resource_id=resource_id, suppressed=True)),
        accepted_risk=AcceptedRisk(reason=reason, expires=EXPIRES),
        suppression_changed=True,
    )


def unsuppressed(resource_id: str = "0055g00000AbCdEAAZ") -> TrackedFinding:
    return replace(make_tracked(make_finding(resource_id=resource_id)), suppression_changed=True)


def update(i: int, status: WorkflowStatus = WorkflowStatus.SUPPRESSED, note: str = "n") -> Any:
    return WorkflowUpdate(f"sfscan/x/{i:04}", PRODUCT, status, note)


# -- which updates, and what they say -----------------------------------------------------------


def test_only_changed_open_findings_get_an_update_in_key_order() -> None:
    same = replace(suppressed("005B"), suppression_changed=False)
    closed = replace(unsuppressed("005C"), open=False)
    got = workflow_updates(
        [unsuppressed("005D"), suppressed("005A"), same, closed], product_arn=PRODUCT
    )
    assert [(u.finding_id, u.status) for u in got] == [
        (finding_id(suppressed("005A").finding), WorkflowStatus.SUPPRESSED),
        (finding_id(unsuppressed("005D").finding), WorkflowStatus.NEW),
    ]
    assert {u.product_arn for u in got} == {PRODUCT}


def test_the_note_gives_the_reason_and_expiry_or_says_the_suppression_ended() -> None:
    note = suppression_note(suppressed(reason="CHG-4711\n vendor VPN"))
    assert "CHG-4711 vendor VPN" in note and "until 2027-03-31T00:00:00.000Z" in note
    no_expiry = replace(suppressed(), accepted_risk=AcceptedRisk(reason="accepted"))
    assert "with no expiry" in suppression_note(no_expiry)
    unknown = replace(suppressed(), accepted_risk=AcceptedRisk(reason=""))
    assert "Reason: not recorded" in suppression_note(unknown)
    ended = suppression_note(unsuppressed())
    assert "ended" in ended and "NEW" in ended


def test_a_long_reason_is_cut_to_the_notes_limit() -> None:
    note = suppression_note(suppressed(reason="x" * 2000))
    assert len(note) == MAX_NOTE_TEXT and note.endswith("...")


# -- against Security Hub (moto + the workflow rules moto lacks) --------------------------------


@pytest.fixture
def hub() -> Iterator[HubWithWorkflow]:
    with mock_aws():
        client = boto3.client("securityhub", region_name=REGION)
        client.enable_security_hub()
        yield HubWithWorkflow(client)


def imported(hub: HubWithWorkflow, tracked: TrackedFinding) -> None:
    asff = build_asff_finding(tracked, account_id=ACCOUNT, region=REGION, updated_at=PUBLISH_AT)
    assert SecurityHubPublisher(hub).import_findings([asff]).failed == {}


def test_suppressed_and_unsuppressed_findings_change_workflow_and_note(
    hub: HubWithWorkflow,
) -> None:
    to_suppress, to_reopen = suppressed("005A"), unsuppressed("005B")
    imported(hub, replace(to_suppress, finding=replace(to_suppress.finding, suppressed=False)))
    imported(hub, replace(to_reopen, finding=replace(to_reopen.finding, suppressed=True)))
    assert {f["Workflow"]["Status"] for f in hub.findings().values()} == {"NEW", "SUPPRESSED"}

    updates = workflow_updates([to_suppress, to_reopen], product_arn=PRODUCT)
    report = SecurityHubPublisher(hub).update_workflows(updates)

    assert (report.updated, report.failed, report.not_found, report.calls) == (2, {}, (), 2)
    found = hub.findings()
    suppressed_now = found[finding_id(to_suppress.finding)]
    assert suppressed_now["Workflow"]["Status"] == "SUPPRESSED"
    assert (
        suppressed_now["Note"]["UpdatedBy"] == "sfscan"
        and "CHG-1" in suppressed_now["Note"]["Text"]
    )
    assert found[finding_id(to_reopen.finding)]["Workflow"]["Status"] == "NEW"


def test_a_finding_security_hub_does_not_hold_is_not_found_not_failed(
    hub: HubWithWorkflow,
) -> None:
    report = SecurityHubPublisher(hub).update_workflows([update(1)])
    assert (report.updated, report.failed, report.not_found) == (0, {}, ("sfscan/x/0001",))


class StubHub:
    """Replays scripted BatchUpdateFindings outcomes: a response, a callable, or an exception."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls: list[dict[str, Any]] = []

    def batch_update_findings(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome(params) if callable(outcome) else outcome


def unprocessed(codes: dict[str, str]) -> Any:
    def respond(params: dict[str, Any]) -> dict[str, Any]:
        ids = params["FindingIdentifiers"]
        return {
            "ProcessedFindings": [i for i in ids if i["Id"] not in codes],
            "UnprocessedFindings": [
                {"FindingIdentifier": i, "ErrorCode": codes[i["Id"]], "ErrorMessage": "m"}
                for i in ids
                if i["Id"] in codes
            ],
        }

    return respond


OK = unprocessed({})


def test_250_updates_go_in_calls_of_at_most_100_per_status_and_note() -> None:
    stub = StubHub([OK])
    updates = [update(i) for i in range(250)] + [update(999, WorkflowStatus.NEW, "ended")]

    report = SecurityHubPublisher(stub).update_workflows(updates)

    assert report.updated == 251 and report.calls == 4
    assert [len(c["FindingIdentifiers"]) for c in stub.calls] == [100, 100, 50, 1]
    assert stub.calls[-1]["Workflow"] == {"Status": "NEW"}
    assert stub.calls[-1]["Note"] == {"Text": "ended", "UpdatedBy": "sfscan"}


def test_a_permanent_refusal_is_reported_and_the_rest_updated() -> None:
    stub = StubHub([unprocessed({"sfscan/x/0001": "InvalidInput"})])
    report = SecurityHubPublisher(stub).update_workflows([update(0), update(1)])
    assert report.updated == 1 and report.failed == {"sfscan/x/0001": "InvalidInput: m"}


def test_access_denied_names_the_permission_and_the_hub() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "BatchUpdateFindings")
    with pytest.raises(SecurityHubNotEnabledError, match="securityhub:BatchUpdateFindings on hub"):
        SecurityHubPublisher(StubHub([denied])).update_workflows([update(0)])


def test_a_throttled_update_is_one_attempt_reported_to_the_caller() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "BatchUpdateFindings")
    stub = StubHub([throttled])
    got = SecurityHubPublisher(stub).update_workflows([update(0)])
    assert len(stub.calls) == 1 and got.updated == 0
    assert got.failed["sfscan/x/0000"].startswith("ThrottlingException")
