"""Evaluate a snapshot: snapshot + settings -> ScanResult. Pure; no I/O, no clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Snapshot
from sfscan.domain.timestamps import utc_iso
from sfscan.rules.base import Rule, RuleResult
from sfscan.rules.context import EvaluationContext


@dataclass(frozen=True)
class ScanResult:
    org_id: str
    org_name: str
    evaluated_at: datetime
    findings: tuple[Finding, ...]
    # rule id -> reason: rules that could not see all their resources (their RuleResult gaps).
    incomplete_rules: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    collection: dict[str, Any] = field(default_factory=dict)
    # Active users no rule judges (portal, community, guest...), each with the reason.
    out_of_scope: tuple[dict[str, str], ...] = ()

    def summary(self) -> dict[str, Any]:
        by_rule: dict[str, dict[str, int]] = {}
        for f in self.findings:
            counts = by_rule.setdefault(f.rule_id, {s.value: 0 for s in Status})
            counts[f.status.value] += 1
        by_status = Counter(f.status.value for f in self.findings)
        failed_by_sev = Counter(
            f.severity.value
            for f in self.findings
            if f.status is Status.FAILED and not f.suppressed
        )
        return {
            "total": len(self.findings),
            "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
            "by_rule": by_rule,
            "failed_by_severity": {s.value: failed_by_sev.get(s.value, 0) for s in Severity},
            "suppressed": sum(1 for f in self.findings if f.suppressed),
        }

    def worst_failed(self) -> Severity | None:
        """Highest severity among FAILED, unsuppressed findings (drives --fail-on)."""
        sevs = [f.severity for f in self.findings if f.status is Status.FAILED and not f.suppressed]
        return max(sevs, key=lambda s: s.rank) if sevs else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "org_id": self.org_id,
            "org_name": self.org_name,
            "evaluated_at": utc_iso(self.evaluated_at),
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "incomplete_rules": dict(self.incomplete_rules),
            "unavailable": dict(self.unavailable),
            "out_of_scope": [dict(u) for u in self.out_of_scope],
        }
        if self.collection:
            out["collection"] = dict(self.collection)
        return out


MAX_GAPS_SHOWN = 5


def _not_available_for_org(rule: Rule, ctx: EvaluationContext, missing: dict[str, str]) -> Finding:
    reasons = "; ".join(f"{key}: {why}" for key, why in sorted(missing.items()))
    return rule.finding(
        ctx,
        resource_id=ctx.org_id,
        resource_name=ctx.snapshot.org.Name or ctx.org_id,
        resource_type="Org",
        status=Status.NOT_AVAILABLE,
        detail=f"Not judged: the data listing this rule's resources is unreadable ({reasons}).",
        evidence={"missing": dict(sorted(missing.items()))},
    )


def _run_rule(rule: Rule, ctx: EvaluationContext) -> RuleResult:
    """The rule's result; one org-level NOT_AVAILABLE when its resources cannot be listed."""
    missing = ctx.snapshot.missing(rule.meta.resources_from)
    if missing:
        return RuleResult(
            (_not_available_for_org(rule, ctx, missing),),
            ("missing data: " + ", ".join(sorted(missing)),),
        )
    return rule.evaluate(ctx)


def _gap_text(gaps: Sequence[str]) -> str:
    """The rule's gaps as one line; long lists are cut to the first few and a count."""
    unique = list(dict.fromkeys(gaps))
    text = "; ".join(unique[:MAX_GAPS_SHOWN])
    if len(unique) > MAX_GAPS_SHOWN:
        text += f"; (+{len(unique) - MAX_GAPS_SHOWN} more)"
    return text


def _apply_suppressions(
    findings: Sequence[Finding], settings: Settings, now: datetime
) -> list[Finding]:
    out = []
    for f in findings:
        suppressed = settings.active_suppression(f.rule_id, f.resource_id, now) is not None
        out.append(f.with_suppressed(suppressed and f.status is Status.FAILED))
    return out


def evaluate(
    snapshot: Snapshot, settings: Settings, rules: Sequence[Rule] | None = None
) -> ScanResult:
    """Run every rule on the snapshot and merge their findings and gaps.

    A rule judges every resource whose verdict does not depend on missing data; the others are
    NOT_AVAILABLE naming what was missing. A rule whose resources cannot even be listed yields
    one org-level NOT_AVAILABLE. A rule with gaps is listed in ``incomplete_rules``.
    """
    if rules is None:
        from sfscan.rules.registry import RULES

        rules = RULES
    ctx = EvaluationContext(snapshot=snapshot, settings=settings)
    findings: list[Finding] = []
    incomplete: dict[str, str] = {}
    for rule in rules:
        result = _run_rule(rule, ctx)
        findings.extend(result.findings)
        if result.gaps:
            incomplete[rule.meta.id] = _gap_text(result.gaps)
    return ScanResult(
        org_id=snapshot.org_id,
        org_name=snapshot.org.Name,
        evaluated_at=ctx.now,
        findings=tuple(_apply_suppressions(findings, settings, ctx.now)),
        incomplete_rules=incomplete,
        unavailable=dict(snapshot.unavailable),
        collection=dict(snapshot.collection),
        out_of_scope=ctx.out_of_scope(),
    )
