"""The order findings are shown in: by rule (CONTROL.md order), worst first within a rule."""

from __future__ import annotations

from collections.abc import Iterable

from sfscan.domain.findings import Finding, Status
from sfscan.domain.rule_ids import RULE_IDS

STATUS_ORDER: tuple[Status, ...] = (
    Status.FAILED,
    Status.WARNING,
    Status.NOT_AVAILABLE,
    Status.PASSED,
)


def rule_rank(rule_id: str) -> tuple[int, str]:
    """CONTROL.md's order; an id it does not know (a future rule) goes last, alphabetically."""
    return (RULE_IDS.index(rule_id) if rule_id in RULE_IDS else len(RULE_IDS), rule_id)


def finding_rank(finding: Finding) -> tuple[int, int, str, str]:
    return (
        STATUS_ORDER.index(finding.status),
        -finding.severity.rank,
        finding.resource_name.casefold(),
        finding.resource_id,
    )


def ordered_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (rule_rank(f.rule_id), finding_rank(f)))


def grouped_by_rule(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for finding in ordered_findings(findings):
        groups.setdefault(finding.rule_id, []).append(finding)
    return list(groups.items())
