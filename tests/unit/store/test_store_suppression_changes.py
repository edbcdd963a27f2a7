"""Which scans change a violation's suppression (what Security Hub's workflow must follow), and
that the store keeps the accepted risk and the flag across a round trip."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.domain.settings import Suppression
from sfscan.store import items
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.transitions import apply_scan, resolve_missing

from tests.unit.pipeline.pipeline_fixtures import table_definition

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
ORG = "00D000000000001EAA"
EXPIRES = datetime(2027, 3, 31, tzinfo=UTC)
ENTRY = Suppression(rule_id="SF-CA-01", resource_id="Acme_ETL", reason="CHG-1", expires=EXPIRES)


def finding(status: Status = Status.FAILED, *, suppressed: bool = False) -> Finding:
    return Finding(
        rule_id="SF-CA-01",
        org_id=ORG,
        resource_type="ConnectedApp",
        resource_id="Acme_ETL",
        resource_name="Acme ETL",
        status=status,
        severity=Severity.HIGH,
        title="Connected app relaxes IP restrictions",
        detail="detail",
        remediation=Remediation(text="fix it", url="https://help.salesforce.com/"),
        suppressed=suppressed,
    )


def scan(
    previous: TrackedFinding | None,
    current: Finding | None,
    n: int,
    suppressions: tuple[Suppression, ...] = (ENTRY,),
) -> TrackedFinding:
    """The stored state after scan number ``n`` (``current`` None: the resource disappeared)."""
    before = {previous.key: previous} if previous is not None else {}
    outcome = apply_scan(
        before,
        [current] if current is not None else [],
        scan_id=f"s{n}",
        scanned_at=T0 + timedelta(days=n),
        incomplete_rules=(),
        scan_complete=True,
        suppressions=suppressions,
    )
    if not outcome.writes:  # nothing changed: the stored item stays as the last change left it
        assert previous is not None
        return replace(
            previous, scan_id=f"s{n}", transition=Transition.UNCHANGED, suppression_changed=False
        )
    [written] = outcome.writes
    return written


def history(*steps: Finding | None) -> list[TrackedFinding]:
    states: list[TrackedFinding] = []
    for n, current in enumerate(steps):
        states.append(scan(states[-1] if states else None, current, n))
    return states


FAILED = finding()
SUPPRESSED = finding(suppressed=True)
PASSED = finding(Status.PASSED)
NOT_AVAILABLE = finding(Status.NOT_AVAILABLE)


def test_suppressing_an_open_violation_is_a_change_with_the_entrys_reason_and_expiry() -> None:
    first, second = history(FAILED, SUPPRESSED)
    assert not first.suppression_changed and first.accepted_risk is None
    assert second.suppression_changed and second.open
    assert second.accepted_risk == AcceptedRisk(reason="CHG-1", expires=EXPIRES)


def test_ending_a_suppression_on_an_open_violation_is_a_change() -> None:
    *_, last = history(SUPPRESSED, FAILED)
    assert last.suppression_changed and last.accepted_risk is None and last.open


def test_a_suppression_that_stays_is_no_change() -> None:
    states = history(FAILED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert [s.suppression_changed for s in states] == [False, True, False, False]


def test_a_new_suppressed_violation_is_no_change_the_import_creates_it_suppressed() -> None:
    [only] = history(SUPPRESSED)
    assert not only.suppression_changed and only.accepted_risk is not None


def test_a_key_that_was_never_a_violation_is_no_change() -> None:
    *_, last = history(PASSED, NOT_AVAILABLE, SUPPRESSED)
    assert not last.suppression_changed  # Security Hub never held it: the import creates it


def test_not_available_neither_suppresses_nor_unsuppresses() -> None:
    states = history(SUPPRESSED, NOT_AVAILABLE, SUPPRESSED)
    assert [s.suppression_changed for s in states] == [False, False, False]
    assert states[1].accepted_risk is not None and states[1].open


def test_reopening_a_resolved_suppressed_violation_unsuppressed_is_a_change() -> None:
    # Security Hub keeps SUPPRESSED through ARCHIVED -> ACTIVE, so the workflow must be reset.
    *_, resolved, reopened = history(SUPPRESSED, PASSED, FAILED)
    assert not resolved.suppression_changed and not resolved.open
    assert reopened.suppression_changed and reopened.open


def test_reopening_a_resolved_violation_suppressed_is_a_change() -> None:
    # Security Hub resets NOTIFIED/RESOLVED to NEW on reopening, never to SUPPRESSED.
    *_, reopened = history(FAILED, PASSED, SUPPRESSED)
    assert reopened.suppression_changed and reopened.accepted_risk is not None


def test_a_resolution_by_disappearance_clears_the_flag() -> None:
    _, changed = history(FAILED, SUPPRESSED)
    gone = resolve_missing(changed, scan_id="s9", scanned_at=T0 + timedelta(days=9))
    assert not gone.suppression_changed and gone.accepted_risk is not None


def test_without_the_settings_entry_a_suppressed_finding_is_still_tracked_as_suppressed() -> None:
    first = scan(None, FAILED, 0, suppressions=())
    second = scan(first, SUPPRESSED, 1, suppressions=())
    assert second.suppression_changed and second.accepted_risk == AcceptedRisk(reason="")


def test_a_redelivered_scan_changes_nothing() -> None:
    _, second = history(FAILED, SUPPRESSED)
    again = apply_scan(
        {second.key: second},
        [SUPPRESSED],
        scan_id="s1",  # the scan that wrote ``second``
        scanned_at=T0 + timedelta(days=1),
        incomplete_rules=(),
        scan_complete=True,
        suppressions=(ENTRY,),
    )
    assert again.writes == () and again.already_applied == (second,)
    assert again.suppression_changed == (second,)


# -- the item in DynamoDB -----------------------------------------------------------------------


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[FindingsStore]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="findings", **table_definition())
        yield FindingsStore(client, "findings")


def test_accepted_risk_and_change_round_trip_and_are_listed_as_changed(
    store: FindingsStore,
) -> None:
    _, second = history(FAILED, SUPPRESSED)
    assert store.claim_org("acme", "s1") == ""
    store.write_findings("acme", "s1", [second], {})
    [loaded] = store.load_findings("acme").values()
    assert loaded == second
    # UNCHANGED transition, yet the publisher must see it.
    assert store.changed_in_scans("acme", ["s1"]) == [second]


def test_an_unsuppressed_item_stores_no_risk() -> None:
    item = items.tracked_to_item("acme", history(FAILED)[0])
    assert "accepted_risk" not in item and "suppression_changed" not in item


def test_an_item_written_before_risks_were_stored_reads_as_suppressed() -> None:
    [suppressed] = history(SUPPRESSED)
    item = items.tracked_to_item("acme", suppressed)
    del item["accepted_risk"]
    loaded = items.item_to_tracked(item)
    assert loaded.accepted_risk == AcceptedRisk(reason="")
    # so the next scan with the same suppression is not taken for a new one
    assert not scan(replace(loaded, scan_id="old"), SUPPRESSED, 5).suppression_changed
