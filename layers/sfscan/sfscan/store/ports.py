"""The findings store as the use cases see it (a port). ``FindingsStore`` (DynamoDB) is the
adapter; tests use an in-memory fake that a contract test holds to the same behaviour."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sfscan.domain.lifecycle import TrackedFinding
from sfscan.store.dynamodb import WriteOutcome
from sfscan.store.history import ScanHistory
from sfscan.store.items import ScanSummary


class FindingsStorePort(Protocol):
    def load_findings(self, org_name: str) -> dict[str, TrackedFinding]:
        """Every stored finding of the org, keyed by Finding.key."""
        ...

    def claim_org(self, org_name: str, scan_id: str) -> str:
        """ "" when this scan took the org; else the newer scan id that holds it."""
        ...

    def write_findings(
        self,
        org_name: str,
        scan_id: str,
        writes: Sequence[TrackedFinding],
        expected: Mapping[str, str],
    ) -> WriteOutcome:
        """Write each finding if it still carries ``expected[key]`` (absent: does not exist)
        and ``scan_id`` still holds the org's claim."""
        ...

    def changed_in_scans(self, org_name: str, scan_ids: Sequence[str]) -> list[TrackedFinding]:
        """Findings these scans opened, resolved or changed the suppression of."""
        ...

    def open_findings(self, org_name: str) -> list[TrackedFinding]: ...

    def findings_to_publish(self, org_name: str) -> list[TrackedFinding]:
        """In one read, the open findings and those changed by the scan that last wrote them."""
        ...

    def get_summary(self, org_name: str, scan_id: str) -> ScanSummary | None: ...

    def put_summary(self, summary: ScanSummary) -> bool:
        """Record the scan once; False when it was already recorded."""
        ...

    def record_failure(self, summary: ScanSummary) -> None:
        """Show a failed attempt as the org's latest scan (the scan itself stays unrecorded)."""
        ...

    def latest_scans(self) -> list[ScanSummary]: ...

    def scan_history(self, org_name: str, up_to: str) -> ScanHistory:
        """In one read, the org's scan records back from ``up_to`` as far as publishing needs."""
        ...

    def pending_summaries(self, org_name: str, up_to: str, marker: str) -> list[ScanSummary]:
        """Successful scans up to ``up_to`` without ``marker``, oldest first."""
        ...

    def mark_summary(
        self, org_name: str, scan_id: str, markers: str | Sequence[str], when: datetime
    ) -> bool:
        """Set ``notified_at`` / ``published_at`` where not set yet, in one write; False when
        all were already set."""
        ...
