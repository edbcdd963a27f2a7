"""The HTML report: one self-contained file a person can hand to an auditor.

Jinja2 with autoescape on for everything: org data (usernames, app names, evidence) is untrusted
and must render as text. The page loads nothing: the CSS is inline, there is no script, and a
Content-Security-Policy of ``default-src 'none'`` makes the browser refuse any fetch, so it opens
the same in an air-gapped browser. Help links are plain links a reader may follow.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from sfscan import __version__
from sfscan.compliance import load_mapping
from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.settings import Settings
from sfscan.engine import ScanResult
from sfscan.report.order import STATUS_ORDER, grouped_by_rule, ordered_findings

_SEVERITIES = sorted(Severity, key=lambda s: -s.rank)


@dataclass(frozen=True)
class RuleRow:
    rule_id: str
    title: str
    severity: str
    counts: dict[str, int]
    frameworks: list[str]


@dataclass(frozen=True)
class SuppressionRow:
    rule_id: str
    resource_id: str
    resource_name: str
    reason: str
    expires: str
    state: str  # "applied" | "expired" | "no matching failure"


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else "never"


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("sfscan.report", "templates"),
        autoescape=True,  # every {{ }} is escaped, whatever the template's file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _rule_rows(result: ScanResult) -> list[RuleRow]:
    mapping = load_mapping()
    rows = []
    for rule_id, findings in grouped_by_rule(result.findings):
        counts = Counter(f.status.value for f in findings)
        rows.append(
            RuleRow(
                rule_id=rule_id,
                title=findings[0].title,
                severity=max((f.severity for f in findings), key=lambda s: s.rank).value,
                counts={s.value: counts.get(s.value, 0) for s in STATUS_ORDER},
                frameworks=mapping.labelled(rule_id),
            )
        )
    return rows


def _suppression_rows(result: ScanResult, settings: Settings | None) -> list[SuppressionRow]:
    if settings is None:
        return []
    by_key = {(f.rule_id, f.resource_id): f for f in result.findings}
    rows = []
    for s in settings.suppressions:
        finding = by_key.get((s.rule_id, s.resource_id))
        if not s.active_at(result.evaluated_at):
            state = "expired"
        elif finding is not None and finding.suppressed:
            state = "applied"
        else:
            state = "no matching failure"
        rows.append(
            SuppressionRow(
                rule_id=s.rule_id,
                resource_id=s.resource_id,
                resource_name=finding.resource_name if finding else "",
                reason=s.reason,
                expires=_iso(s.expires),
                state=state,
            )
        )
    return rows


def _finding_view(finding: Finding) -> dict[str, Any]:
    return {
        "f": finding,
        "evidence": json.dumps(finding.evidence, indent=2, sort_keys=True, ensure_ascii=False),
        "missing": (
            finding.evidence.get("missing") if finding.status is Status.NOT_AVAILABLE else None
        ),
    }


def _context(
    result: ScanResult, hidden: dict[str, int] | None, settings: Settings | None
) -> dict[str, Any]:
    from sfscan.cli.rules import rule_set_version  # the same text as `sfscan --version`

    summary = result.summary()
    return {
        "r": result,
        "evaluated_at": _iso(result.evaluated_at),
        "version": __version__,
        "rule_set": rule_set_version(),
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in _SEVERITIES],
        "summary": summary,
        "hidden": {k: v for k, v in (hidden or {}).items() if v},
        "rules": _rule_rows(result),
        "findings": [_finding_view(f) for f in ordered_findings(result.findings)],
        "suppressions": _suppression_rows(result, settings),
        "frameworks": [fw.name for fw in load_mapping().frameworks],
    }


def render_html(
    result: ScanResult,
    *,
    hidden: dict[str, int] | None = None,
    settings: Settings | None = None,
) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(result, hidden, settings))
