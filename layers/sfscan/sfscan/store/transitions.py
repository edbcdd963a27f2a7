"""What one scan does to the stored findings of one org. Pure: no I/O, no clock.

Rules (the TrackedFinding docstring, CONTROL.md and the pipeline issue):

- FAILED with no open violation ........................ OPENED (open)
- FAILED, open, was suppressed and no longer is ........ OPENED again: the accepted risk ended, so
  the violation is notified once as if new (a silent suppression must not hide it forever)
- FAILED, open otherwise ............................... UNCHANGED (still open, no notification)
- PASSED while open .................................... RESOLVED
- open, resource gone from the scan .................... RESOLVED only when the scan is complete and
  the rule is not in ``incomplete_rules``; otherwise the stored item is left untouched
- NOT_AVAILABLE ........................................ never opens and never resolves: ``open``
  keeps its previous value
- anything else (WARNING, PASSED when not open) ........ UNCHANGED, ``open`` kept

A suppressed FAILED finding opens like any other; it is the notifier that stays silent about
suppressed findings, and Security Hub still receives it (workflow SUPPRESSED).

Suppression changes (for Security Hub's workflow, which a re-import cannot change): a FAILED
judgement sets ``accepted_risk`` to the suppression covering it (None when not suppressed); other
statuses keep the previous one, so a NOT_AVAILABLE scan neither suppresses nor un-suppresses.
``suppression_changed`` is set when a FAILED judgement's suppression differs from the stored one
and the key was a violation before (open, or resolved earlier): only then does Security Hub hold
a finding whose workflow no longer matches. A violation seen for the first time is created with
the right workflow by the import itself.

Idempotency: an item already written by this scan (same ``scan_id``) is not recomputed, so
re-processing the same (scan, org) after a partial write keeps the first, correct transitions and
writes nothing new for those items. An item written by a newer scan (a larger ``scan_id``) is not
touched at all: a stale scan changes nothing.

Cost: a key whose stored state this scan does not change (same judgement, same open flag, no
transition) is not written; its item keeps the scan id and transition of the scan that last
changed it, and ``last_seen`` of that scan. So an unchanged re-scan writes no finding at all.
The evidence alone (login counts, the window's dates) does not make a change: the stored evidence
is the one of the last change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sfscan.domain.findings import Finding, Status
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.domain.settings import Suppression


@dataclass(frozen=True)
class ScanOutcome:
    """Everything the scan decided for one org."""

    writes: tuple[TrackedFinding, ...]  # items to store (new state)
    already_applied: tuple[TrackedFinding, ...]  # items this scan had already written

    @property
    def opened(self) -> tuple[TrackedFinding, ...]:
        return tuple(t for t in self._all if t.transition is Transition.OPENED)

    @property
    def resolved(self) -> tuple[TrackedFinding, ...]:
        return tuple(t for t in self._all if t.transition is Transition.RESOLVED)

    @property
    def suppression_changed(self) -> tuple[TrackedFinding, ...]:
        return tuple(t for t in self._all if t.suppression_changed)

    @property
    def _all(self) -> tuple[TrackedFinding, ...]:
        return self.writes + self.already_applied


def track(
    previous: TrackedFinding | None,
    current: Finding,
    *,
    scan_id: str,
    scanned_at: datetime,
    risk: AcceptedRisk | None = None,
) -> TrackedFinding:
    """The new stored state of one key judged by this scan.

    ``risk`` is the suppression entry covering ``current`` when it is suppressed (its reason and
    expiry go to Security Hub); a suppressed finding without one is still tracked as suppressed.
    """
    transition, is_open = _transition(previous, current)
    accepted_risk, suppression_changed = _suppression(previous, current, risk)
    if previous is None:
        return TrackedFinding(
            finding=current,
            open=is_open,
            first_seen=scanned_at,
            last_seen=scanned_at,
            status_changed_at=scanned_at,
            transition=transition,
            scan_id=scan_id,
            accepted_risk=accepted_risk,
        )
    status_changed = previous.finding.status is not current.status
    resolved_at: datetime | None = {
        Transition.RESOLVED: scanned_at,
        Transition.OPENED: None,
    }.get(transition, previous.resolved_at)
    return TrackedFinding(
        finding=current,
        open=is_open,
        first_seen=previous.first_seen,
        last_seen=scanned_at,
        status_changed_at=scanned_at if status_changed else previous.status_changed_at,
        transition=transition,
        scan_id=scan_id,
        resolved_at=resolved_at,
        accepted_risk=accepted_risk,
        suppression_changed=suppression_changed,
    )


def _transition(previous: TrackedFinding | None, current: Finding) -> tuple[Transition, bool]:
    """(what this judgement does to the key, whether a violation is open afterwards)."""
    was_open = previous is not None and previous.open
    if current.status is Status.FAILED:
        # An open violation whose suppression ended is notified once as if new (suppressed at
        # its last FAILED judgement, even if judged NOT_AVAILABLE since).
        unsuppressed = previous is not None and (
            previous.finding.suppressed or previous.accepted_risk is not None
        )
        reopened = was_open and unsuppressed and not current.suppressed
        return (Transition.OPENED if not was_open or reopened else Transition.UNCHANGED), True
    if current.status is Status.PASSED and was_open:
        return Transition.RESOLVED, False
    # NOT_AVAILABLE, WARNING, PASSED while not open: nothing opens or resolves
    return Transition.UNCHANGED, was_open


def _suppression(
    previous: TrackedFinding | None, current: Finding, risk: AcceptedRisk | None
) -> tuple[AcceptedRisk | None, bool]:
    """(the accepted risk to store, whether this scan changed a known violation's suppression)."""
    before = previous.accepted_risk if previous is not None else None
    if current.status is not Status.FAILED:
        return before, False
    now = (risk or AcceptedRisk(reason="")) if current.suppressed else None
    was_violation = previous is not None and (previous.open or previous.resolved_at is not None)
    return now, was_violation and (now is None) != (before is None)


def _state(t: TrackedFinding) -> tuple[object, ...]:
    f = t.finding
    judged = (f.status, f.severity, f.detail, f.suppressed, f.title, f.remediation)
    return (*judged, f.resource_type, f.resource_name, t.open, t.resolved_at, t.accepted_risk)


def changes_state(before: TrackedFinding | None, after: TrackedFinding) -> bool:
    """Whether ``after`` must be written: a new key, a transition, a suppression change, or any
    stored field but the evidence and the timestamps of observation."""
    if before is None or after.transition is not Transition.UNCHANGED:
        return True
    return after.suppression_changed or _state(before) != _state(after)


def resolve_missing(
    previous: TrackedFinding, *, scan_id: str, scanned_at: datetime
) -> TrackedFinding:
    """An open violation whose resource the (complete) rule no longer reports: resolved."""
    return replace(
        previous,
        open=False,
        transition=Transition.RESOLVED,
        scan_id=scan_id,
        resolved_at=scanned_at,
        suppression_changed=False,
    )


def apply_scan(
    previous: Mapping[str, TrackedFinding],
    findings: Iterable[Finding],
    *,
    scan_id: str,
    scanned_at: datetime,
    incomplete_rules: Iterable[str],
    scan_complete: bool,
    suppressions: Iterable[Suppression] = (),
) -> ScanOutcome:
    """Decide the new state of every key this scan touches.

    ``previous`` maps ``Finding.key`` to the stored state before this scan; ``suppressions`` are
    the org's settings entries the engine applied (their reason and expiry are kept).
    """
    entries = tuple(suppressions)
    incomplete = set(incomplete_rules)
    writes: list[TrackedFinding] = []
    already: list[TrackedFinding] = []
    seen: set[str] = set()
    for finding in findings:
        key = finding.key
        if key in seen:  # a rule reporting the same resource twice: the first judgement wins
            continue
        seen.add(key)
        before = previous.get(key)
        if before is not None and before.scan_id >= scan_id:
            if before.scan_id == scan_id:
                already.append(before)
            continue
        risk = _accepted_risk(entries, finding, scanned_at) if finding.suppressed else None
        after = track(before, finding, scan_id=scan_id, scanned_at=scanned_at, risk=risk)
        if changes_state(before, after):
            writes.append(after)
    for key, before in previous.items():
        if key in seen or before.scan_id > scan_id:
            continue
        if before.scan_id == scan_id:
            already.append(before)
            continue
        if before.open and scan_complete and before.finding.rule_id not in incomplete:
            writes.append(resolve_missing(before, scan_id=scan_id, scanned_at=scanned_at))
    return ScanOutcome(writes=tuple(writes), already_applied=tuple(already))


def _accepted_risk(
    entries: tuple[Suppression, ...], finding: Finding, when: datetime
) -> AcceptedRisk | None:
    """The entry the engine matched (the first active one, as Settings.active_suppression)."""
    for entry in entries:
        if (
            entry.rule_id == finding.rule_id
            and entry.resource_id == finding.resource_id
            and entry.active_at(when)
        ):
            return AcceptedRisk(reason=entry.reason, expires=entry.expires)
    return None
