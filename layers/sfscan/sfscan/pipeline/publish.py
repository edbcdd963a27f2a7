"""Publish one recorded scan: one SNS message per org per scan with what it opened and resolved,
a Security Hub import of every changed or still-open finding, and a workflow update
(BatchUpdateFindings) for each finding whose suppression the scan changed, since an import
cannot change the workflow of a finding Security Hub already holds.

Driven by the table stream (the scan summary's INSERT). Markers on the summary make a redelivered
record harmless: ``notified_at`` is set right after the SNS message, ``published_at`` at the end.
A crash between sending and marking can repeat one message (at-least-once); it never loses one.
When no message was sent, or nothing can fail after it (Security Hub off), both markers are set
in one write at the end: there is no message a crash could repeat.

Nothing is lost when publishing fails for good (the record goes to the failure queue): the next
publish for the org also sends the changes of every earlier scan without ``notified_at``, and
imports the changes of every earlier scan without ``published_at`` (the markers are a per-org
cursor; see ``sfscan.store.history.ScanHistory``). A finding changed again by a later scan is
published in its latest state.

Reads: one Query of the org's scan records (this scan's own first) and one of the findings it may
send (open or changed), shared by the e-mail and Security Hub. Security Hub's findings are stamped
with the time of that read, so the import of an older read never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.publish.asff import build_asff_finding, product_arn
from sfscan.publish.errors import SecurityHubPublishError
from sfscan.publish.notify import build_notifications
from sfscan.publish.ports import NotifierPort, SecurityHubPort
from sfscan.publish.workflow import workflow_updates
from sfscan.store.dynamodb import from_ddb
from sfscan.store.history import changes_of
from sfscan.store.items import ITEM_SCAN, ScanSummary, item_to_summary
from sfscan.store.ports import FindingsStorePort


@dataclass(frozen=True)
class AwsLocation:
    account_id: str
    region: str
    partition: str = "aws"

    @classmethod
    def from_function_arn(cls, arn: str) -> AwsLocation:
        """``arn:aws:lambda:eu-west-1:123456789012:function:name`` -> where findings belong."""
        parts = arn.split(":")
        if len(parts) < 5 or parts[0] != "arn":
            raise ValueError(f"not an ARN: {arn!r}")
        return cls(partition=parts[1], region=parts[3], account_id=parts[4])


@dataclass(frozen=True)
class PublishDeps:
    store: FindingsStorePort
    notifier: NotifierPort
    security_hub: SecurityHubPort | None  # None when EnableSecurityHub is false
    location: AwsLocation
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class PublishReport:
    org_name: str
    scan_id: str
    skipped: str = ""  # why nothing was done (already published, a scan error)
    messages: int = 0
    opened: int = 0
    resolved: int = 0
    imported: int = 0
    workflows_updated: int = 0  # findings whose Security Hub workflow followed a suppression
    recovered: int = 0  # earlier scans whose failed publishing this one completed


def summary_from_stream_record(record: Mapping[str, Any]) -> ScanSummary | None:
    """The scan summary a stream record inserted, or None for any other change.

    The event source mapping's FilterCriteria already passes only these; checked again so a
    mapping without the filter cannot make the function publish finding writes.
    """
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    item = from_ddb(image)
    if item.get("item_type") != ITEM_SCAN:
        return None
    return item_to_summary(item)


@dataclass(frozen=True)
class _Read:
    """What one publish read from the table, shared by every step."""

    current: ScanSummary
    to_notify: list[ScanSummary]  # scans without notified_at, oldest first (this one included)
    to_publish: list[ScanSummary]  # scans without published_at
    findings: list[TrackedFinding]  # open, or changed by the scan that last wrote them
    read_at: datetime


def publish_scan(summary: ScanSummary, deps: PublishDeps) -> PublishReport:
    """Publish the org's scan ``summary`` and every earlier scan whose publishing failed."""
    history = deps.store.scan_history(summary.org_name, summary.scan_id)
    current = history.current
    if current is None:
        return PublishReport(summary.org_name, summary.scan_id, skipped="summary not found")
    if current.published_at is not None:
        return PublishReport(current.org_name, current.scan_id, skipped="already published")
    if current.error:
        deps.store.mark_summary(current.org_name, current.scan_id, "published_at", deps.clock())
        return PublishReport(current.org_name, current.scan_id, skipped="scan failed")
    read_at = deps.clock()
    read = _Read(
        current,
        history.pending("notified_at"),
        history.pending("published_at"),
        deps.store.findings_to_publish(current.org_name),
        read_at,
    )
    messages, opened, resolved = _notify(read, deps)
    unmarked = read.to_notify
    if messages and deps.security_hub is not None:
        # Security Hub can still fail: the message must not go out again with the retry.
        _mark(unmarked, (), deps)
        unmarked = []
    imported = workflows = 0
    if deps.security_hub is not None:
        changed = changes_of(read.findings, [s.scan_id for s in read.to_publish])
        imported = _import_to_security_hub(read, changed, deps)
        workflows = _follow_suppressions(changed, deps)
    _mark(unmarked, read.to_publish, deps)
    return PublishReport(
        current.org_name,
        current.scan_id,
        messages=messages,
        opened=opened,
        resolved=resolved,
        imported=imported,
        workflows_updated=workflows,
        recovered=len([s for s in read.to_publish if s.scan_id != current.scan_id]),
    )


def _mark(
    notified: Sequence[ScanSummary], published: Sequence[ScanSummary], deps: PublishDeps
) -> None:
    """``notified_at`` on the ``notified`` scans, ``published_at`` on the ``published`` ones:
    one write per scan record, whatever it gets."""
    markers: dict[tuple[str, str], list[str]] = {}
    for marker, scans in (("notified_at", notified), ("published_at", published)):
        for done in scans:
            markers.setdefault((done.org_name, done.scan_id), []).append(marker)
    for (org_name, scan_id), names in sorted(markers.items()):
        deps.store.mark_summary(org_name, scan_id, names, deps.clock())


def _notify(read: _Read, deps: PublishDeps) -> tuple[int, int, int]:
    """One message (or its parts) for this scan and every earlier one never notified.
    Returns (messages, opened, resolved); the caller marks them ``notified_at``."""
    if not read.to_notify:
        return 0, 0, 0
    changed = changes_of(read.findings, [s.scan_id for s in read.to_notify])
    opened = [t for t in changed if t.transition is Transition.OPENED]
    resolved = [t for t in changed if t.transition is Transition.RESOLVED]
    current = read.current
    notifications = build_notifications(
        org_id=current.org_id,
        org_name=current.display_name,
        scan_id=current.scan_id,
        scanned_at=current.scanned_at or current.finished_at,
        opened=opened,
        resolved=resolved,
    )
    messages = len(deps.notifier.publish(notifications)) if notifications else 0
    return messages, len(opened), len(resolved)


def _observed(tracked: TrackedFinding, summary: ScanSummary) -> TrackedFinding:
    """An open finding this scan judged again keeps its item (unchanged findings are not
    rewritten), but Security Hub is told it was observed by this scan."""
    scanned = summary.scanned_at
    if (
        not tracked.open
        or scanned is None
        or scanned <= tracked.last_seen
        or tracked.finding.rule_id in summary.incomplete_rules
    ):
        return tracked
    return replace(tracked, last_seen=scanned)


def _import_to_security_hub(read: _Read, changed: list[TrackedFinding], deps: PublishDeps) -> int:
    assert deps.security_hub is not None
    summary = read.current
    # Still-open findings are re-imported every scan so Security Hub never expires them (90 days).
    selected = {t.key: _observed(t, summary) for t in read.findings if t.open}
    selected.update({t.key: t for t in changed})
    updated_at = read.read_at
    findings = [
        build_asff_finding(
            t,
            account_id=deps.location.account_id,
            region=deps.location.region,
            partition=deps.location.partition,
            updated_at=max(updated_at, t.last_seen),
            org_name=summary.display_name,
            instance_url=summary.instance_url or None,
        )
        for t in sorted(selected.values(), key=lambda t: t.key)
    ]
    if not findings:
        return 0
    report = deps.security_hub.import_findings(findings)
    _raise_if_failed(report.failed, len(findings), "findings were not imported")
    return report.imported


def _follow_suppressions(changed: list[TrackedFinding], deps: PublishDeps) -> int:
    """SUPPRESSED for violations this scan suppressed, NEW for those whose suppression ended.

    Runs after the import, so a finding the import created is not updated needlessly: the store
    flags only violations Security Hub held before this scan, and creation set their workflow.
    """
    assert deps.security_hub is not None
    loc = deps.location
    updates = workflow_updates(
        changed,
        product_arn=product_arn(
            partition=loc.partition, region=loc.region, account_id=loc.account_id
        ),
    )
    if not updates:
        return 0
    report = deps.security_hub.update_workflows(updates)
    _raise_if_failed(report.failed, len(updates), "workflow updates failed")
    return report.updated


def _raise_if_failed(failed: Mapping[str, str], total: int, what: str) -> None:
    """Fail the stream record (so it is retried) when Security Hub refused some findings."""
    if failed:
        first_id, reason = next(iter(sorted(failed.items())))
        raise SecurityHubPublishError(
            f"{len(failed)} of {total} {what} (first: {first_id}: {reason}); "
            "the stream record will be retried"
        )
