"""In-memory fakes of the pipeline's ports: the findings store, the SNS notifier and the Security
Hub publisher. tests/unit/pipeline/test_port_contracts.py runs the same assertions against each
fake and its real adapter on moto, so a use-case test on a fake proves what the adapter would do.

The store fake keeps the same items the DynamoDB adapter writes (sfscan.store.items codecs), so
bounded evidence, the item size and the static text read back from the rule registry are the
adapter's own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfscan.domain.lifecycle import TrackedFinding
from sfscan.publish.errors import SecurityHubPublishError, SnsPublishError
from sfscan.publish.notify import Notification
from sfscan.publish.securityhub import ImportReport, UpdateReport
from sfscan.publish.workflow import WorkflowUpdate
from sfscan.store import items as it
from sfscan.store.dynamodb import MAX_TRANSACT_ITEMS, StoreError, WriteOutcome
from sfscan.store.history import MAX_PENDING_SCANS, ScanHistory, changes_of, is_published_change
from sfscan.store.items import ScanSummary


@dataclass
class InMemoryFindingsStore:
    """FindingsStorePort in a dict. ``before_write`` runs once at the start of the next
    ``write_findings`` (to interleave a concurrent scan); ``fail`` maps a method name to the
    exception it raises."""

    items: dict[tuple[str, str], it.Item] = field(default_factory=dict)
    history_days: int = it.DEFAULT_HISTORY_DAYS
    before_write: Callable[[], None] | None = None
    fail: dict[str, Exception] = field(default_factory=dict)
    writes: int = 0  # finding items written

    def _check(self, method: str) -> None:
        if method in self.fail:
            raise self.fail[method]

    def _findings(self, org_name: str) -> list[it.Item]:
        pk = it.org_pk(org_name)
        return [
            v for (p, s), v in sorted(self.items.items()) if p == pk and s.startswith("FINDING#")
        ]

    def load_findings(self, org_name: str) -> dict[str, TrackedFinding]:
        self._check("load_findings")
        loaded = (it.item_to_tracked(i) for i in self._findings(org_name))
        return {t.key: t for t in loaded}

    def claim_org(self, org_name: str, scan_id: str) -> str:
        key = (it.org_pk(org_name), it.CLAIM_SK)
        held = self.items.get(key, {}).get("scan_id")
        if held is not None and held > scan_id:
            return str(held)
        self.items[key] = {"pk": key[0], "sk": key[1], "scan_id": scan_id}
        return ""

    def write_findings(
        self,
        org_name: str,
        scan_id: str,
        writes: Sequence[TrackedFinding],
        expected: Mapping[str, str],
    ) -> WriteOutcome:
        self._check("write_findings")
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
        written: list[TrackedFinding] = []
        unwritten: list[TrackedFinding] = []
        claim = (it.org_pk(org_name), it.CLAIM_SK)
        listed = list(writes)
        size = MAX_TRANSACT_ITEMS - 1
        for batch in (listed[i : i + size] for i in range(0, len(listed), size)):
            if self.items.get(claim, {}).get("scan_id") != scan_id:
                return WriteOutcome(tuple(written), (), superseded=True)
            new = [it.tracked_to_item(org_name, t) for t in batch]
            pairs = zip(new, batch, strict=True)
            if all(self._unchanged(i, expected.get(t.key)) for i, t in pairs):
                for item in new:
                    self.items[(item["pk"], item["sk"])] = item
                self.writes += len(new)
                written.extend(batch)
            else:
                unwritten.extend(batch)
        return WriteOutcome(tuple(written), tuple(unwritten))

    def _unchanged(self, item: it.Item, expected_scan: str | None) -> bool:
        stored = self.items.get((item["pk"], item["sk"]))
        if expected_scan is None:
            return stored is None
        return stored is not None and stored["scan_id"] == expected_scan

    def changed_in_scans(self, org_name: str, scan_ids: Sequence[str]) -> list[TrackedFinding]:
        self._check("changed_in_scans")
        return changes_of((it.item_to_tracked(i) for i in self._findings(org_name)), scan_ids)

    def open_findings(self, org_name: str) -> list[TrackedFinding]:
        self._check("open_findings")
        return [it.item_to_tracked(i) for i in self._findings(org_name) if i["open"]]

    def findings_to_publish(self, org_name: str) -> list[TrackedFinding]:
        self._check("findings_to_publish")
        found = (it.item_to_tracked(i) for i in self._findings(org_name))
        return [t for t in found if t.open or is_published_change(t)]

    def get_summary(self, org_name: str, scan_id: str) -> ScanSummary | None:
        self._check("get_summary")
        item = self.items.get((it.org_pk(org_name), it.scan_sk(scan_id)))
        return it.item_to_summary(item) if item else None

    def put_summary(self, summary: ScanSummary) -> bool:
        self._check("put_summary")
        item = it.summary_to_item(summary, self.history_days)
        key = (item["pk"], item["sk"])
        if key in self.items:
            return False
        self.items[key] = item
        self.record_failure(summary)
        return True

    def record_failure(self, summary: ScanSummary) -> None:
        self._check("record_failure")
        item = it.latest_to_item(summary)
        key = (item["pk"], item["sk"])
        if key not in self.items or self.items[key]["scan_id"] <= summary.scan_id:
            self.items[key] = item

    def latest_scans(self) -> list[ScanSummary]:
        return [
            it.item_to_summary(v) for (p, _s), v in sorted(self.items.items()) if p == it.LATEST_PK
        ]

    def scan_history(self, org_name: str, up_to: str) -> ScanHistory:
        self._check("scan_history")
        pk = it.org_pk(org_name)
        scans = sorted(
            (s, v)
            for (p, s), v in self.items.items()
            if p == pk and it.SCAN_PREFIX <= s <= it.scan_sk(up_to)
        )
        newest = [it.item_to_summary(item) for _s, item in reversed(scans)]
        return ScanHistory(up_to, tuple(newest[:MAX_PENDING_SCANS]))

    def pending_summaries(self, org_name: str, up_to: str, marker: str) -> list[ScanSummary]:
        return self.scan_history(org_name, up_to).pending(marker)

    def mark_summary(
        self, org_name: str, scan_id: str, markers: str | Sequence[str], when: datetime
    ) -> bool:
        self._check("mark_summary")
        item = self.items.get((it.org_pk(org_name), it.scan_sk(scan_id)))
        names = [markers] if isinstance(markers, str) else list(markers)
        if item is None or all(name in item for name in names):
            return False
        for name in names:
            item.setdefault(name, it.iso(when))
        return True


@dataclass
class FakeNotifier:
    """NotifierPort: keeps what it sent; ``failures`` refusals happen before anything is sent."""

    sent: list[Notification] = field(default_factory=list)
    failures: int = 0

    def publish(self, notifications: Sequence[Notification]) -> list[str]:
        if self.failures:
            self.failures -= 1
            raise SnsPublishError("SNS refused a notification (fake)", ())
        start = len(self.sent)
        self.sent.extend(notifications)
        return [f"msg-{i}" for i in range(start, len(self.sent))]

    def messages(self) -> list[str]:
        return [n.message for n in self.sent]


@dataclass
class FakeSecurityHub:
    """SecurityHubPort: findings by Id with Security Hub's update rule (a later UpdatedAt wins;
    Workflow and Note are set on creation only). ``refuse`` maps a finding Id to the reason the
    import refuses it; ``down`` makes every call fail as if AWS could not be reached."""

    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    down: bool = False
    calls: int = 0
    update_calls: list[list[WorkflowUpdate]] = field(default_factory=list)

    def import_findings(self, findings: Sequence[dict[str, Any]]) -> ImportReport:
        self._reachable()
        failed: dict[str, str] = {}
        for finding in findings:
            fid = str(finding["Id"])
            if fid in self.refuse:
                failed[fid] = self.refuse[fid]
                continue
            old = self.findings.get(fid)
            if old is None:
                self.findings[fid] = copy.deepcopy(finding)
            elif finding["UpdatedAt"] > old["UpdatedAt"]:
                kept = {k: old[k] for k in ("Workflow", "Note") if k in old}
                self.findings[fid] = {**copy.deepcopy(finding), **kept}
        return ImportReport(imported=len(findings) - len(failed), failed=failed, calls=1)

    def update_workflows(self, updates: Sequence[WorkflowUpdate]) -> UpdateReport:
        self._reachable()
        self.update_calls.append(list(updates))
        missing: list[str] = []
        for update in updates:
            finding = self.findings.get(update.finding_id)
            if finding is None:
                missing.append(update.finding_id)
                continue
            finding["Workflow"] = {"Status": update.status.value}
            finding["Note"] = {"Text": update.note, "UpdatedBy": "sfscan"}
        return UpdateReport(updated=len(updates) - len(missing), not_found=tuple(missing), calls=1)

    def _reachable(self) -> None:
        self.calls += 1
        if self.down:
            raise SecurityHubPublishError("Security Hub could not be reached (fake)")

    def set_workflow_by_hand(self, finding_id: str, status: str) -> None:
        """What a person does in the console (BatchUpdateFindings, no sfscan note)."""
        self.findings[finding_id]["Workflow"] = {"Status": status}

    def active(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.findings.items() if v.get("RecordState") == "ACTIVE"}


__all__ = ["FakeNotifier", "FakeSecurityHub", "InMemoryFindingsStore", "StoreError"]
