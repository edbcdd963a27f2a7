"""An org's scan history as a publish reads it: one Query of the org's scan records, newest
first, back from the scan being published. Pure; the DynamoDB adapter does the reading."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.store.items import ScanSummary

MARKERS = ("notified_at", "published_at")  # set on a scan record by its publish
# How far back publishing looks for scans whose changes were never sent (one a day: 7 weeks).
MAX_PENDING_SCANS = 50


@dataclass(frozen=True)
class ScanHistory:
    """An org's scan records up to one scan, newest first, as one read returned them: all a
    publish needs to know about the org's scans (this scan's record, and the earlier scans whose
    changes were never notified or never published)."""

    up_to: str  # the scan id the records were read back from
    records: tuple[ScanSummary, ...] = ()

    @property
    def current(self) -> ScanSummary | None:
        """The record of ``up_to`` itself; None when that scan was never recorded."""
        if self.records and self.records[0].scan_id == self.up_to:
            return self.records[0]
        return None

    def pending(self, marker: str) -> list[ScanSummary]:
        """Successful scans without ``marker``, oldest first: back to the first successful scan
        that has it (everything before it was sent by that scan's publish), at most
        MAX_PENDING_SCANS records back."""
        if marker not in MARKERS:
            raise ValueError(f"unknown marker {marker}")
        out: list[ScanSummary] = []
        for summary in self.records[:MAX_PENDING_SCANS]:
            if summary.ok and getattr(summary, marker):
                break
            if summary.ok:
                out.append(summary)
        return out[::-1]

    @property
    def complete(self) -> bool:
        """Whether older records can change no answer of ``pending``: reading stops here."""
        if len(self.records) >= MAX_PENDING_SCANS:
            return True
        return all(any(s.ok and getattr(s, m) for s in self.records) for m in MARKERS)


def is_published_change(tracked: TrackedFinding) -> bool:
    """Whether the scan that last wrote the finding opened or resolved it or changed its
    suppression: what a publish sends for that scan (anything else is only re-imported while
    open)."""
    return tracked.suppression_changed or tracked.transition in (
        Transition.OPENED,
        Transition.RESOLVED,
    )


def changes_of(findings: Iterable[TrackedFinding], scan_ids: Iterable[str]) -> list[TrackedFinding]:
    """The findings these scans opened, resolved or changed the suppression of, and that no
    later scan changed again (a finding's item carries the scan that last changed it)."""
    wanted = set(scan_ids)
    return [t for t in findings if t.scan_id in wanted and is_published_change(t)]
