"""The lifecycle of one finding over any sequence of scans (store/transitions.apply_scan):

- each change of the violation (opened, resolved, or reopened when its suppression ended) is
  notified exactly once, and a redelivered or stale scan notifies nothing;
- NOT_AVAILABLE never resolves, and a resource missing from an incomplete rule or scan never
  resolves;
- ``open`` is "a FAILED was seen and not resolved since".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.store.transitions import apply_scan

RULE = "SF-CA-01"
JUDGEMENTS = ("FAILED", "FAILED_SUPPRESSED", "PASSED", "NOT_AVAILABLE", "WARNING", "ABSENT")
START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    judgement: str
    rule_incomplete: bool
    scan_complete: bool
    redeliver: bool
    stale_replay: bool


steps = st.lists(
    st.builds(
        Step,
        judgement=st.sampled_from(JUDGEMENTS),
        rule_incomplete=st.booleans(),
        scan_complete=st.booleans(),
        redeliver=st.booleans(),
        stale_replay=st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def finding(judgement: str) -> list[Finding]:
    if judgement == "ABSENT":
        return []
    status = Status.FAILED if judgement.startswith("FAILED") else Status(judgement)
    return [
        Finding(
            rule_id=RULE,
            org_id="00D000000000001EAA",
            resource_type="ConnectedApp",
            resource_id="Acme_ETL",
            resource_name="Acme ETL",
            status=status,
            severity=Severity.HIGH,
            title="Connected app relaxes IP restrictions",
            detail=f"judged {judgement}",
            remediation=Remediation(
                text="Enforce IP restrictions", url="https://help.salesforce.com/"
            ),
            suppressed=judgement == "FAILED_SUPPRESSED",
        )
    ]


def scan(state: dict[str, TrackedFinding], step: Step, number: int) -> tuple[TrackedFinding, ...]:
    outcome = apply_scan(
        state,
        finding(step.judgement),
        scan_id=f"2026110{number // 10}T{number % 10:02d}0000Z-{number:08x}",
        scanned_at=START + timedelta(days=number),
        incomplete_rules=[RULE] if step.rule_incomplete else [],
        scan_complete=step.scan_complete,
    )
    return outcome.writes


def notified(writes: tuple[TrackedFinding, ...]) -> list[Transition]:
    return [t.transition for t in writes if t.transition is not Transition.UNCHANGED]


def expected_open(was_open: bool, step: Step) -> bool:
    if step.judgement.startswith("FAILED"):
        return True
    if step.judgement == "PASSED":
        return False
    if step.judgement == "ABSENT" and step.scan_complete and not step.rule_incomplete:
        return False
    return was_open  # NOT_AVAILABLE, WARNING, or missing from an incomplete rule or scan


# Found by this test: a suppression that ended while the check was NOT_AVAILABLE was never
# notified as a new violation (the reopen check looked at the NOT_AVAILABLE judgement).
SUPPRESSION_ENDED_WHILE_UNREADABLE = [
    Step("FAILED_SUPPRESSED", False, True, False, False),
    Step("NOT_AVAILABLE", False, True, False, False),
    Step("FAILED", False, True, False, False),
]


@settings(max_examples=400, deadline=None)
@example(SUPPRESSION_ENDED_WHILE_UNREADABLE)
@given(steps)
def test_each_change_is_notified_once_and_unreadable_never_resolves(sequence: list[Step]) -> None:
    state: dict[str, TrackedFinding] = {}
    was_open, was_suppressed, stale = False, False, None
    for number, step in enumerate(sequence, start=1):
        writes = scan(state, step, number)
        is_open = expected_open(was_open, step)
        suppressed_now = step.judgement == "FAILED_SUPPRESSED"
        reopened = was_open and step.judgement == "FAILED" and was_suppressed
        expected: list[Transition] = []
        if is_open and (not was_open or reopened):
            expected = [Transition.OPENED]
        elif was_open and not is_open:
            expected = [Transition.RESOLVED]
        assert notified(writes) == expected, (step, was_open)
        if step.judgement == "NOT_AVAILABLE":
            assert Transition.RESOLVED not in notified(writes)
        if step.judgement == "ABSENT" and (step.rule_incomplete or not step.scan_complete):
            assert writes == ()
        state.update({t.key: t for t in writes})
        if state:
            [tracked] = state.values()
            assert tracked.open is is_open
        if step.redeliver:  # SQS delivers the same scan again: nothing new is written
            assert scan(state, step, number) == ()
        if step.stale_replay and stale is not None:  # an older scan stored late changes nothing
            assert scan(state, stale[0], stale[1]) == ()
        stale = (step, number)
        if step.judgement.startswith("FAILED"):
            was_suppressed = suppressed_now
        was_open = is_open
