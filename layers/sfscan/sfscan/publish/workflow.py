"""Security Hub workflow changes that follow sfscan's suppressions. Pure; no I/O.

BatchImportFindings sets Workflow only when it creates a finding; afterwards the workflow belongs
to people and only BatchUpdateFindings (or the console) changes it (aws-notes §1.3, §1.6). So when
a scan suppresses a violation Security Hub already holds, or ends the suppression of one, sfscan
moves that one finding's workflow: SUPPRESSED, or back to NEW. Nothing else is ever sent, so a
status a person set (NOTIFIED, RESOLVED, their own SUPPRESSED) stays until the suppression changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sfscan.domain.lifecycle import TrackedFinding
from sfscan.publish.asff import MAX_NOTE_TEXT, NOTE_AUTHOR, finding_id, suppression_note

__all__ = [
    "MAX_NOTE_TEXT",
    "NOTE_AUTHOR",
    "WorkflowStatus",
    "WorkflowUpdate",
    "suppression_note",
    "workflow_updates",
]

MAX_UPDATE_IDENTIFIERS = 100  # BatchUpdateFindings FindingIdentifiers


class WorkflowStatus(StrEnum):
    NEW = "NEW"
    SUPPRESSED = "SUPPRESSED"


@dataclass(frozen=True)
class WorkflowUpdate:
    """One finding's new workflow status and the note saying why."""

    finding_id: str
    product_arn: str
    status: WorkflowStatus
    note: str


def workflow_updates(changed: list[TrackedFinding], *, product_arn: str) -> list[WorkflowUpdate]:
    """The updates for the findings whose suppression this scan changed, in key order."""
    return [
        WorkflowUpdate(
            finding_id=finding_id(t.finding),
            product_arn=product_arn,
            status=WorkflowStatus.SUPPRESSED if t.accepted_risk else WorkflowStatus.NEW,
            note=suppression_note(t),
        )
        for t in sorted(changed, key=lambda t: t.key)
        if t.suppression_changed and t.open
    ]
