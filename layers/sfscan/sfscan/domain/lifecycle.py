"""A finding's life across scans: what the findings store keeps and the publishers read.

Transitions (CONTROL.md + issue "pipeline"):
- a FAILED finding with no open violation           -> OPENED   (notify, unless suppressed)
- an open violation judged PASSED, or whose resource
  disappeared from a complete rule                  -> RESOLVED (notify)
- NOT_AVAILABLE                                     -> never resolves; the violation stays open
- anything else                                     -> UNCHANGED (no notification)

Suppressions (accepted risks) are tracked apart from transitions: ``accepted_risk`` is the
suppression that covered the last FAILED judgement, and ``suppression_changed`` says this scan
suppressed, or ended the suppression of, a violation Security Hub already holds, so the publisher
moves that finding's workflow (Security Hub ignores Workflow when a finding is re-imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sfscan.domain.findings import Finding


class Transition(StrEnum):
    OPENED = "OPENED"
    RESOLVED = "RESOLVED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class AcceptedRisk:
    """The suppression (settings ``suppressions``) that covers a violation."""

    reason: str  # "" when the suppression entry was not available to the store
    expires: datetime | None = None


@dataclass(frozen=True)
class TrackedFinding:
    """The stored state of one (org, rule, resource)."""

    finding: Finding  # the latest judgement
    open: bool  # a violation is open: FAILED was seen and has not been resolved since
    first_seen: datetime  # first scan that produced this key (ASFF CreatedAt/FirstObservedAt)
    last_seen: datetime  # last scan that judged it
    status_changed_at: datetime  # last time finding.status changed
    transition: Transition  # what the last scan did to it
    scan_id: str  # the last scan that wrote it
    resolved_at: datetime | None = None
    # The suppression of the last FAILED judgement; kept while the check is not FAILED.
    accepted_risk: AcceptedRisk | None = None
    # This scan suppressed, or ended the suppression of, a violation that was open before or
    # was resolved earlier: Security Hub holds it with a workflow that no longer matches.
    suppression_changed: bool = False

    @property
    def key(self) -> str:
        return self.finding.key
