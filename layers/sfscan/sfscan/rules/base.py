"""What a rule is: typed metadata next to a pure evaluate function.

Rules never do I/O, read the clock or the environment: everything they may look at is in the
EvaluationContext (snapshot + settings + evaluation time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status

if TYPE_CHECKING:
    from sfscan.rules.context import EvaluationContext


@dataclass(frozen=True)
class RuleMeta:
    id: str
    title: str
    severity: Severity  # the rule's highest severity; a finding may carry a lower one
    resource_type: str  # User | ConnectedApp | ExternalClientApp | Org | "ConnectedApp or ..."
    description: str  # what is checked
    risk: str  # why it matters
    remediation: Remediation
    # Snapshot data the rule reads ("sobject:User", "metadata:ConnectedApp", ...): a resource
    # whose verdict depends on a missing one is NOT_AVAILABLE, naming it (the docs list which
    # rules a gap affects).
    needs: tuple[str, ...]
    # Data the rule can use when present but judges without (e.g. ExternalClientApp policies).
    optional_needs: tuple[str, ...] = ()
    # The needs that list the rule's resources (e.g. "sobject:User"). When one is missing there
    # is no resource to judge, so the engine gives one org-level NOT_AVAILABLE instead.
    resources_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    """What a rule returns: its findings, and its gaps.

    A gap says why the rule could not see every resource it judges (an unreadable source, a
    record without an id). The engine merges the gaps into ``ScanResult.incomplete_rules``; the
    findings store then never resolves an earlier finding of the rule just because its resource
    is absent this time.
    """

    findings: tuple[Finding, ...] = ()
    gaps: tuple[str, ...] = ()


class Outcome:
    """A rule's findings and gaps while it runs; ``result()`` freezes them."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.gaps: list[str] = []

    def add(self, finding: Finding | None) -> None:
        if finding is not None:
            self.findings.append(finding)

    def gap(self, reason: str) -> None:
        if reason not in self.gaps:
            self.gaps.append(reason)

    def result(self) -> RuleResult:
        return RuleResult(tuple(self.findings), tuple(self.gaps))


Evaluate = Callable[["EvaluationContext"], RuleResult]


@dataclass(frozen=True)
class Rule:
    meta: RuleMeta
    evaluate: Evaluate

    def finding(
        self,
        ctx: EvaluationContext,
        *,
        resource_id: str,
        resource_name: str,
        status: Status,
        detail: str,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
        resource_type: str | None = None,
    ) -> Finding:
        """Build a finding of this rule; severity defaults to the rule's."""
        return Finding(
            rule_id=self.meta.id,
            org_id=ctx.org_id,
            resource_type=resource_type or self.meta.resource_type,
            resource_id=resource_id,
            resource_name=resource_name,
            status=status,
            severity=severity or self.meta.severity,
            title=self.meta.title,
            detail=detail,
            remediation=self.meta.remediation,
            evidence=evidence or {},
        )
