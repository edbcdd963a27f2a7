"""Scan one org for one run: secret -> credentials -> snapshot -> evaluation -> stored transitions
-> scan summary. Idempotent per (scan id, org): the summary is written last, once, and its insert
is what starts publishing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.items import ScanSummary
from sfscan.store.transitions import ScanOutcome, apply_scan


@dataclass(frozen=True)
class ScanDeps:
    store: FindingsStore
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
    org's scan error (and returned normally); anything else raises so the message is retried."""
    recorded = deps.store.get_summary(request.org_name, request.scan_id)
    if recorded is not None:
        return ScanReport(summary=recorded, already_done=True)
    started = deps.clock()
    try:
        result, settings = _evaluate(request, deps, config)
    except (InputError, ScanIncompleteError) as exc:
        failed = ScanSummary(
            org_name=request.org_name,
            scan_id=request.scan_id,
            started_at=started,
            finished_at=deps.clock(),
            error=str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__,
            error_kind="input" if isinstance(exc, InputError) else "incomplete",
        )
        return _record(failed, deps)
    previous = deps.store.load_findings(request.org_name)
    outcome = apply_scan(
        previous,
        result.findings,
        scan_id=request.scan_id,
        scanned_at=result.evaluated_at,
        incomplete_rules=result.incomplete_rules,
        # A truncated read (row caps) may hide resources; nothing resolves by disappearing then.
        scan_complete=not result.collection.get("truncated"),
        suppressions=settings.suppressions,  # their reasons go to Security Hub's notes
    )
    deps.store.write_findings(request.org_name, outcome.writes)
    state = {**previous, **{t.key: t for t in outcome.writes}}
    open_now = [t for t in state.values() if t.open]
    summary = _summary(request, started, deps.clock(), result, outcome, open_now)
    return _record(summary, deps)


def _record(summary: ScanSummary, deps: ScanDeps) -> ScanReport:
    if deps.store.put_summary(summary):
        return ScanReport(summary=summary, already_done=False)
    # A concurrent delivery of the same message won the race; its record stands.
    stored = deps.store.get_summary(summary.org_name, summary.scan_id)
    return ScanReport(summary=stored or summary, already_done=True)
