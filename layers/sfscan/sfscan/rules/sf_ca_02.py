"""SF-CA-02: an external client app relaxes IP restrictions."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._apps import (
    ECA_APPS,
    ECA_POLICIES,
    eca_labels,
    eca_name_of_policy,
    eca_policy_id,
    grade_relaxation,
    judge_known_relaxation,
    unreadable_items,
)
from sfscan.rules._findings import HELP_ENFORCE_IP_CONTROL
from sfscan.rules.base import Outcome, Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-CA-02",
    title="External client app relaxes IP restrictions",
    severity=Severity.HIGH,
    resource_type="ExternalClientApp",
    description=(
        "For each external client app OAuth policy, ipRelaxationPolicyType must be Enforce "
        "(compared case-insensitively). Bypass is HIGH; Bypass_2factor and Enforce_RelaxRefresh "
        "are MEDIUM; an absent or unknown value cannot be judged."
    ),
    risk=(
        "A relaxed external client app lets its OAuth tokens be used from any network even when "
        "the user's profile has Login IP Ranges."
    ),
    remediation=Remediation(
        text=(
            "In Setup > External Client App Manager, edit the app's OAuth policies and set IP "
            "Relaxation to 'Enforce IP restrictions'."
        ),
        url=HELP_ENFORCE_IP_CONTROL,
    ),
    needs=(ECA_POLICIES,),
    optional_needs=(ECA_APPS,),
    resources_from=(ECA_POLICIES,),
)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    labels = eca_labels(ctx.snapshot)
    out = Outcome()
    for policy in ctx.snapshot.records(ECA_POLICIES):
        app_id = eca_policy_id(policy)
        if not app_id:
            out.gap("a policy record names no external client app")
            continue
        name = labels.get(app_id) or app_id
        relax = grade_relaxation(policy.get("ipRelaxationPolicyType"))
        severity = None
        if not relax.known:
            status = Status.NOT_AVAILABLE
            detail = (
                f"External client app {name} has no readable IP relaxation policy "
                f"({relax.value or 'absent'}); check its OAuth policies by hand."
            )
        else:
            status, severity, detail = judge_known_relaxation("External client app", name, relax)
        out.add(_finding(ctx, app_id, name, status, detail, relax.value, severity))
    for full_name, reason in unreadable_items(ctx.snapshot, ECA_POLICIES).items():
        out.gap(f"external client app policy {full_name}: {reason}")
        app_id = eca_name_of_policy(full_name)
        name = labels.get(app_id) or app_id
        detail = f"Could not read the OAuth policies {full_name}; check the app by hand."
        out.add(_finding(ctx, app_id, name, Status.NOT_AVAILABLE, detail, None))
    return out.result()


def _finding(
    ctx: EvaluationContext,
    app_id: str,
    name: str,
    status: Status,
    detail: str,
    value: str | None,
    severity: Severity | None = None,
) -> Finding:
    evidence = {"app": name} if value is None else {"app": name, "ipRelaxationPolicyType": value}
    return RULE.finding(
        ctx,
        resource_id=app_id,
        resource_name=name,
        status=status,
        detail=detail,
        evidence=evidence,
        severity=severity,
    )


RULE = Rule(META, evaluate)
