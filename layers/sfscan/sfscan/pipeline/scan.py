"""Scan one org for one run: secret -> credentials -> snapshot -> evaluation -> stored transitions
-> scan summary. Idempotent per (scan id, org): the summary is written last, once, and its insert
is what starts publishing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sfscan.collect.credentials import OrgCredentials, parse_credentials
from sfscan.domain.errors import InputError, ScanIncompleteError
from sfscan.domain.lifecycle import TrackedFinding
from sfscan.domain.settings import Settings, parse_settings
from sfscan.domain.snapshot import Snapshot
from sfscan.engine import ScanResult, evaluate
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.store.dynamodb import StoreError
from sfscan.store.items import ScanSummary
from sfscan.store.ports import FindingsStorePort
from sfscan.store.transitions import ScanOutcome, apply_scan

# Rounds of "write, re-read what a concurrent scan changed, decide again" before giving up.
MAX_WRITE_ROUNDS = 5


@dataclass(frozen=True)
class ScanDeps:
    store: FindingsStorePort
    read_secret: Callable[[str], Any]  # secret name -> parsed JSON; InputError when unusable
    collect: Callable[[OrgCredentials], Snapshot]
    clock: Callable[[], datetime]
    # org name -> its settings kept apart from the secret (None: none stored there)
    read_settings: Callable[[str], Settings | None] | None = None


@dataclass(frozen=True)
class ScanReport:
    summary: ScanSummary
    already_done: bool  # this (scan, org) had been recorded before; nothing was changed


def effective_settings(org_settings: Settings | None, config: ScanConfig) -> Settings:
    """The org's own settings; the stack's defaults fill what the org did not set."""
    data: dict[str, Any] = {}
    if org_settings is not None:
        full = org_settings.to_json_dict()
        data = {k: v for k, v in full.items() if k in org_settings.model_fields_set}
    if "allowed_networks" not in data and config.default_allowed_networks:
        data["allowed_networks"] = list(config.default_allowed_networks)
    data.setdefault("lookback_days", config.lookback_days)
    return parse_settings(data, "org settings")


def _opt_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _summary(
    request: ScanRequest,
    started: datetime,
    finished: datetime,
    result: ScanResult,
    outcome: ScanOutcome,
    open_now: list[TrackedFinding],
) -> ScanSummary:
    counts = result.summary()
    collection = result.collection
    return ScanSummary(
        org_name=request.org_name,
        scan_id=request.scan_id,
        started_at=started,
        finished_at=finished,
        org_id=result.org_id,
        salesforce_org_name=result.org_name,
        instance_url=str(collection.get("instance_url") or ""),
        scanned_at=result.evaluated_at,
        by_status=dict(counts["by_status"]),
        failed_by_severity=dict(counts["failed_by_severity"]),
        opened=sum(1 for t in outcome.opened if not t.finding.suppressed),
        resolved=len(outcome.resolved),
        open_violations=sum(1 for t in open_now if not t.finding.suppressed),
        api_calls=_opt_int(collection.get("api_calls")),
        daily_api_remaining=_opt_int(collection.get("daily_api_remaining")),
        unavailable=dict(result.unavailable),
        incomplete_rules=dict(result.incomplete_rules),
    )


def _evaluate(
    request: ScanRequest, deps: ScanDeps, config: ScanConfig
) -> tuple[ScanResult, Settings]:
    if not request.secret_name.startswith(config.org_secret_prefix):
        raise InputError(
            f"secret {request.secret_name!r} is not under the registered prefix "
            f"{config.org_secret_prefix!r}; re-register the org with 'sfscan org add'"
        )
    data = deps.read_secret(request.secret_name)
    credentials = parse_credentials(data, f"secret {request.secret_name}")
    stored = deps.read_settings(request.org_name) if deps.read_settings else None
    # Settings in the table win; settings embedded in an old secret remain the fallback.
    settings = effective_settings(stored if stored is not None else credentials.settings, config)
    # Collect with the settings the scan is judged by: the look-back window and the permission
    # columns must match, or logins between the two windows would be judged without being read.
    collected = deps.collect(credentials.model_copy(update={"settings": settings}))
    return evaluate(collected, settings), settings


def scan_org(request: ScanRequest, deps: ScanDeps, config: ScanConfig) -> ScanReport:
    """One org's scan. A bad secret, refused login or exhausted API limit is recorded as this
    org's scan error (and returned normally). Anything else is recorded as the org's latest
    (failed) attempt and raised, so the message is retried and, after the last retry, kept in
    the dead-letter queue: the org's error is visible either way."""
    recorded = deps.store.get_summary(request.org_name, request.scan_id)
    if recorded is not None:
        return ScanReport(summary=recorded, already_done=True)
    started = deps.clock()
    stage = "reading the secret, collecting or evaluating"
    try:
        try:
            result, settings = _evaluate(request, deps, config)
        except (InputError, ScanIncompleteError) as exc:
            failed = _failed(request, started, deps.clock(), exc)
            failed = replace(
                failed, error_kind="input" if isinstance(exc, InputError) else "incomplete"
            )
            return _record(failed, deps)
        stage = "storing the findings"
        summary = _store_findings(request, deps, started, result, settings)
    except Exception as exc:
        _record_attempt(request, started, deps, stage, exc)
        raise
    return _record(summary, deps)


def _failed(
    request: ScanRequest, started: datetime, finished: datetime, exc: Exception
) -> ScanSummary:
    first_line = str(exc).splitlines()[0][:500] if str(exc).strip() else ""
    return ScanSummary(
        org_name=request.org_name,
        scan_id=request.scan_id,
        started_at=started,
        finished_at=finished,
        error=first_line or type(exc).__name__,
        error_kind="internal",
    )


def _record_attempt(
    request: ScanRequest, started: datetime, deps: ScanDeps, stage: str, exc: Exception
) -> None:
    """Record an unexpected failure as the org's latest attempt; never hides the original."""
    detail = str(exc).splitlines()[0][:300] if str(exc).strip() else ""
    failed = _failed(request, started, deps.clock(), exc)
    failed = replace(
        failed,
        error=f"failed while {stage}: {type(exc).__name__}"
        + (f": {detail}" if detail else "")
        + "; the scan will be retried",
    )
    with contextlib.suppress(Exception):  # the table itself may be what failed
        deps.store.record_failure(failed)


def _store_findings(
    request: ScanRequest, deps: ScanDeps, started: datetime, result: ScanResult, settings: Settings
) -> ScanSummary:
    """Claim the org, then write what changed; decisions refused by a concurrent write are made
    again on the stored state, at most MAX_WRITE_ROUNDS times."""
    org, scan_id = request.org_name, request.scan_id
    newer = deps.store.claim_org(org, scan_id)
    if newer:
        return _superseded(request, started, deps, result, {}, newer)
    previous = deps.store.load_findings(org)
    state = dict(previous)
    written: list[TrackedFinding] = []
    already: list[TrackedFinding] = []
    findings = list(result.findings)
    pending = previous
    for _ in range(MAX_WRITE_ROUNDS):
        outcome = apply_scan(
            pending,
            findings,
            scan_id=scan_id,
            scanned_at=result.evaluated_at,
            incomplete_rules=result.incomplete_rules,
            # A truncated read (row caps) may hide resources; nothing resolves by disappearing.
            scan_complete=not result.collection.get("truncated"),
            suppressions=settings.suppressions,  # their reasons go to Security Hub's notes
        )
        already.extend(outcome.already_applied)
        stored = deps.store.write_findings(
            org, scan_id, outcome.writes, {k: t.scan_id for k, t in pending.items()}
        )
        written.extend(stored.written)
        state.update({t.key: t for t in stored.written})
        if stored.superseded:
            return _superseded(request, started, deps, result, state, "a newer scan")
        if not stored.unwritten:
            break
        keys = {t.key for t in stored.unwritten}
        fresh = deps.store.load_findings(org)
        state.update(fresh)
        pending = {k: t for k, t in fresh.items() if k in keys}
        findings = [f for f in result.findings if f.key in keys]
    else:
        raise StoreError(f"findings of org {org} kept changing under concurrent scans")
    outcome = ScanOutcome(writes=tuple(written), already_applied=tuple(already))
    open_now = [t for t in state.values() if t.open]
    return _summary(request, started, deps.clock(), result, outcome, open_now)


def _superseded(
    request: ScanRequest,
    started: datetime,
    deps: ScanDeps,
    result: ScanResult,
    state: dict[str, TrackedFinding],
    newer: str,
) -> ScanSummary:
    """A newer scan took the org: what this one already wrote stays; nothing more changes."""
    written = tuple(t for t in state.values() if t.scan_id == request.scan_id)
    outcome = ScanOutcome(writes=written, already_applied=())
    open_now = [t for t in state.values() if t.open]
    summary = _summary(request, started, deps.clock(), result, outcome, open_now)
    return replace(summary, superseded_by=newer)


def _record(summary: ScanSummary, deps: ScanDeps) -> ScanReport:
    if deps.store.put_summary(summary):
        return ScanReport(summary=summary, already_done=False)
    # A concurrent delivery of the same message won the race; its record stands.
    stored = deps.store.get_summary(summary.org_name, summary.scan_id)
    return ScanReport(summary=stored or summary, already_done=True)
