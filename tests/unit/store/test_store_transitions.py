"""The transition rules, case by case: what a scan opens, resolves or leaves alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.store.transitions import apply_scan, track

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
ORG = "00D000000000001EAA"


def make_finding(
    status: Status = Status.FAILED,
    *,
    rule_id: str = "SF-CA-01",
    resource_id: str = "Acme_ETL",
    suppressed: bool = False,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        org_id=ORG,
        resource_type="ConnectedApp",
        resource_id=resource_id,
        resource_name=resource_id,
        status=status,
        severity=Severity.HIGH,
        title="Connected app does not enforce IP restrictions",
        detail="detail",
        remediation=Remediation(text="fix it", url="https://help.salesforce.com/"),
        suppressed=suppressed,
    )


def stored(
    status: Status, *, open_: bool, suppressed: bool = False, scan_id: str = "s0", **kw: str
) -> TrackedFinding:
    return TrackedFinding(
        finding=make_finding(status, suppressed=suppressed, **kw),
        open=open_,
        first_seen=T0,
        last_seen=T0,
        status_changed_at=T0,
        transition=Transition.OPENED if open_ else Transition.UNCHANGED,
        scan_id=scan_id,
    )


# (previous state or None, current status, current suppressed) -> (transition, open)
CASES = [
    (None, Status.FAILED, False, Transition.OPENED, True),
    (None, Status.FAILED, True, Transition.OPENED, True),  # opens silently (notifier skips)
    (None, Status.PASSED, False, Transition.UNCHANGED, False),
    (None, Status.NOT_AVAILABLE, False, Transition.UNCHANGED, False),
    (None, Status.WARNING, False, Transition.UNCHANGED, False),
    ((Status.FAILED, True, False), Status.FAILED, False, Transition.UNCHANGED, True),
    ((Status.FAILED, True, False), Status.FAILED, True, Transition.UNCHANGED, True),
    ((Status.FAILED, True, True), Status.FAILED, True, Transition.UNCHANGED, True),
    ((Status.FAILED, True, True), Status.FAILED, False, Transition.OPENED, True),  # supp. ended
    ((Status.FAILED, True, False), Status.PASSED, False, Transition.RESOLVED, False),
    ((Status.FAILED, True, True), Status.PASSED, False, Transition.RESOLVED, False),
    ((Status.FAILED, True, False), Status.NOT_AVAILABLE, False, Transition.UNCHANGED, True),
    ((Status.FAILED, True, False), Status.WARNING, False, Transition.UNCHANGED, True),
    ((Status.PASSED, False, False), Status.FAILED, False, Transition.OPENED, True),
    ((Status.PASSED, False, False), Status.PASSED, False, Transition.UNCHANGED, False),
    ((Status.PASSED, False, False), Status.NOT_AVAILABLE, False, Transition.UNCHANGED, False),
    ((Status.NOT_AVAILABLE, False, False), Status.PASSED, False, Transition.UNCHANGED, False),
    ((Status.NOT_AVAILABLE, False, False), Status.FAILED, False, Transition.OPENED, True),
    ((Status.NOT_AVAILABLE, True, False), Status.NOT_AVAILABLE, False, Transition.UNCHANGED, True),
    ((Status.NOT_AVAILABLE, True, False), Status.PASSED, False, Transition.RESOLVED, False),
    ((Status.NOT_AVAILABLE, True, False), Status.FAILED, False, Transition.UNCHANGED, True),
]


@pytest.mark.parametrize(("before", "status", "suppressed", "transition", "is_open"), CASES)
def test_transition_table(
    before: tuple[Status, bool, bool] | None,
    status: Status,
    suppressed: bool,
    transition: Transition,
    is_open: bool,
) -> None:
    previous = None
    if before is not None:
        previous = stored(before[0], open_=before[1], suppressed=before[2])
    new = track(previous, make_finding(status, suppressed=suppressed), scan_id="s1", scanned_at=T1)
    assert (new.transition, new.open) == (transition, is_open)
    assert new.scan_id == "s1"
    assert new.last_seen == T1
    assert new.finding.status is status


def test_first_seen_is_kept_and_status_change_time_moves_only_on_change() -> None:
    prev = stored(Status.FAILED, open_=True)
    same = track(prev, make_finding(Status.FAILED), scan_id="s1", scanned_at=T1)
    assert (same.first_seen, same.status_changed_at) == (T0, T0)
    fixed = track(prev, make_finding(Status.PASSED), scan_id="s1", scanned_at=T1)
    assert (fixed.first_seen, fixed.status_changed_at, fixed.resolved_at) == (T0, T1, T1)
    new = track(None, make_finding(), scan_id="s1", scanned_at=T1)
    assert (new.first_seen, new.status_changed_at, new.resolved_at) == (T1, T1, None)


def test_reopening_clears_resolved_at() -> None:
    prev = replace(stored(Status.PASSED, open_=False), resolved_at=T0)
    again = track(prev, make_finding(Status.FAILED), scan_id="s1", scanned_at=T1)
    assert again.transition is Transition.OPENED and again.resolved_at is None


def _by_key(*tracked: TrackedFinding) -> dict[str, TrackedFinding]:
    return {t.key: t for t in tracked}


def test_open_violation_whose_resource_disappeared_resolves_when_rule_and_scan_complete() -> None:
    gone = stored(Status.FAILED, open_=True, resource_id="Deleted_App")
    out = apply_scan(
        _by_key(gone), [], scan_id="s1", scanned_at=T1, incomplete_rules=(), scan_complete=True
    )
    assert [(t.key, t.transition, t.open) for t in out.writes] == [
        (gone.key, Transition.RESOLVED, False)
    ]
    assert out.resolved[0].resolved_at == T1


def test_disappeared_resource_of_incomplete_rule_stays_open_and_untouched() -> None:
    gone = stored(Status.FAILED, open_=True, resource_id="Hidden_App")
    out = apply_scan(
        _by_key(gone),
        [],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules={"SF-CA-01": "metadata:ConnectedApp not readable"},
        scan_complete=True,
    )
    assert out.writes == () and out.resolved == ()


def test_disappeared_resource_of_incomplete_scan_stays_open() -> None:
    gone = stored(Status.FAILED, open_=True)
    out = apply_scan(
        _by_key(gone), [], scan_id="s1", scanned_at=T1, incomplete_rules=(), scan_complete=False
    )
    assert out.writes == ()


def test_disappeared_closed_finding_is_left_alone() -> None:
    passed = stored(Status.PASSED, open_=False)
    out = apply_scan(
        _by_key(passed), [], scan_id="s1", scanned_at=T1, incomplete_rules=(), scan_complete=True
    )
    assert out.writes == ()


def test_same_scan_twice_writes_nothing_and_keeps_first_transitions() -> None:
    first = apply_scan(
        {},
        [make_finding(Status.FAILED)],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    stored_after = _by_key(*first.writes)
    again = apply_scan(
        stored_after,
        [make_finding(Status.FAILED)],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    assert again.writes == ()
    assert [t.transition for t in again.opened] == [Transition.OPENED]


def test_partial_first_attempt_then_retry_completes_the_rest() -> None:
    a = make_finding(Status.FAILED, resource_id="A")
    b = make_finding(Status.FAILED, resource_id="B")
    first = apply_scan(
        {}, [a, b], scan_id="s1", scanned_at=T1, incomplete_rules=(), scan_complete=True
    )
    only_a_written = _by_key(first.writes[0])
    retry = apply_scan(
        only_a_written, [a, b], scan_id="s1", scanned_at=T1, incomplete_rules=(), scan_complete=True
    )
    assert [t.finding.resource_id for t in retry.writes] == ["B"]
    assert sorted(t.finding.resource_id for t in retry.opened) == ["A", "B"]


def test_duplicate_judgement_of_one_resource_keeps_the_first() -> None:
    out = apply_scan(
        {},
        [make_finding(Status.FAILED), make_finding(Status.PASSED)],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    assert [t.finding.status for t in out.writes] == [Status.FAILED]
