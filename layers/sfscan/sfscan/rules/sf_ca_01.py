"""SF-CA-01: an OAuth-enabled connected app relaxes IP restrictions."""

from __future__ import annotations

from collections.abc import Sequence

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._apps import (
    CONNECTED_APP,
    CONNECTED_APPLICATION,
    connected_apps,
    grade_relaxation,
    judge_known_relaxation,
)
from sfscan.rules._findings import HELP_CONNECTED_APP_IP
from sfscan.rules._values import nested
from sfscan.rules.base import Rule, RuleMeta
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-CA-01",
    title="Connected app relaxes IP restrictions",
    severity=Severity.HIGH,
    resource_type="ConnectedApp",
    description=(
        "For each OAuth-enabled connected app, oauthPolicy.ipRelaxation must be ENFORCE (an "
        "absent value means ENFORCE). BYPASS is HIGH; BYPASS_2FACTOR and ENFORCE_RELAXREFRESH "
        "are MEDIUM."
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
)


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    if (reason := ctx.snapshot.missing_reason(CONNECTED_APPLICATION)) is not None:
        # Apps only SOQL sees (metadata not listed) cannot be judged NOT_AVAILABLE this time.
        ctx.note_incomplete(META.id, f"{CONNECTED_APPLICATION}: {reason}")
    findings = []
    for app in connected_apps(ctx.snapshot):
        if not app.resource_id:
            ctx.note_incomplete(META.id, "a ConnectedApp record has no fullName")
            continue
        evidence: dict[str, object] = {"app": app.name}
        severity = None
        if app.unreadable is not None:
            status = Status.NOT_AVAILABLE
            evidence["unreadable"] = app.unreadable
            ctx.note_incomplete(META.id, f"connected app {app.resource_id}: {app.unreadable}")
            detail = (
                f"Could not read the OAuth policy of connected app {app.name}; grant the scanner "
                "user metadata read access or check the app by hand."
            )
        elif app.oauth_config is None:
            continue  # not OAuth-enabled: no OAuth policy to judge
        else:
            relax = grade_relaxation(nested(app.metadata, "oauthPolicy", "ipRelaxation"), True)
            evidence["ipRelaxation"] = relax.value or "ENFORCE (absent)"
            if not relax.known:
                status = Status.NOT_AVAILABLE
                detail = (
                    f"Connected app {app.name} has an unknown IP relaxation value "
                    f"{relax.value!r}; check its OAuth policy by hand."
                )
            else:
                status, severity, detail = judge_known_relaxation("Connected app", app.name, relax)
        findings.append(
            RULE.finding(
                ctx,
                resource_id=app.resource_id,
                resource_name=app.name,
                status=status,
                detail=detail,
                evidence=evidence,
                severity=severity,
            )
        )
    return findings


RULE = Rule(META, evaluate)
