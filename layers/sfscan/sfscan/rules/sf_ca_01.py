"""SF-CA-01: an OAuth-enabled connected app relaxes IP restrictions."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._apps import (
    CONNECTED_APP,
    CONNECTED_APPLICATION,
    ConnectedAppView,
    connected_apps,
    grade_relaxation,
    judge_known_relaxation,
)
from sfscan.rules._findings import HELP_CONNECTED_APP_IP
from sfscan.rules._values import nested
from sfscan.rules.base import Outcome, Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-CA-01",
    title="Connected app relaxes IP restrictions",
    severity=Severity.HIGH,
    resource_type="ConnectedApp",
    description=(
        "For each OAuth-enabled connected app, oauthPolicy.ipRelaxation must be ENFORCE. BYPASS "
        "is HIGH; BYPASS_2FACTOR and ENFORCE_RELAXREFRESH are MEDIUM. The field is required "
        "since Metadata API v49, so an absent, unknown or malformed value cannot be judged."
    ),
    risk=(
        "A relaxed app lets its OAuth tokens be used from any network even when the user's "
        "profile has Login IP Ranges, which is how stolen tokens were replayed in 2025."
    ),
    remediation=Remediation(
        text=(
            "In Setup > Connected Apps > Manage > Edit Policies, set IP Relaxation to 'Enforce IP "
            "restrictions' and make sure the users' profiles have Login IP Ranges."
        ),
        url=HELP_CONNECTED_APP_IP,
    ),
    needs=(CONNECTED_APP,),
    optional_needs=(CONNECTED_APPLICATION,),
    resources_from=(CONNECTED_APP,),
)


def _judge_policy(app: ConnectedAppView) -> tuple[Status, Severity | None, str, str]:
    """(status, FAILED severity, detail, value as evidence) from the app's oauthPolicy."""
    policy = nested(app.metadata, "oauthPolicy")
    if not isinstance(policy, dict):
        shape = "absent" if policy is None else f"{type(policy).__name__} {policy!r}"
        detail = (
            f"Connected app {app.name} has no readable OAuth policy (oauthPolicy is {shape}); "
            "check its IP relaxation by hand."
        )
        return Status.NOT_AVAILABLE, None, detail, f"oauthPolicy {shape}"
    relax = grade_relaxation(policy.get("ipRelaxation"))
    if not relax.value:
        detail = (
            f"Connected app {app.name} has no ipRelaxation in its OAuth policy (required since "
            "Metadata API v49: a partial read or an old API version); check it by hand."
        )
        return Status.NOT_AVAILABLE, None, detail, "absent"
    if not relax.known:
        detail = (
            f"Connected app {app.name} has an unknown IP relaxation value {relax.value!r}; "
            "check its OAuth policy by hand."
        )
        return Status.NOT_AVAILABLE, None, detail, relax.value
    status, severity, detail = judge_known_relaxation("Connected app", app.name, relax)
    return status, severity, detail, relax.value


def _judge(ctx: EvaluationContext, app: ConnectedAppView) -> Finding | None:
    evidence: dict[str, object] = {"app": app.name}
    severity = None
    if app.unreadable is not None:
        status = Status.NOT_AVAILABLE
        evidence["unreadable"] = app.unreadable
        detail = (
            f"Could not read the OAuth policy of connected app {app.name}; grant the scanner "
            "user metadata read access or check the app by hand."
        )
    elif app.oauth_config is None:
        return None  # not OAuth-enabled: no OAuth policy to judge
    else:
        status, severity, detail, value = _judge_policy(app)
        evidence["ipRelaxation"] = value
    return RULE.finding(
        ctx,
        resource_id=app.resource_id,
        resource_name=app.name,
        status=status,
        detail=detail,
        evidence=evidence,
        severity=severity,
    )


def evaluate(ctx: EvaluationContext) -> RuleResult:
    out = Outcome()
    if (reason := ctx.missing_reason(CONNECTED_APPLICATION)) is not None:
        # Apps only SOQL sees (metadata not listed) cannot be judged NOT_AVAILABLE this time.
        out.gap(f"{CONNECTED_APPLICATION}: {reason}")
    for app in connected_apps(ctx.snapshot):
        if not app.resource_id:
            out.gap("a ConnectedApp record has no fullName")
            continue
        if app.unreadable is not None:
            out.gap(f"connected app {app.resource_id}: {app.unreadable}")
        out.add(_judge(ctx, app))
    return out.result()


RULE = Rule(META, evaluate)
