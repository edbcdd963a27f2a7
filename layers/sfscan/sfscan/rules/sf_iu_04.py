"""SF-IU-04: an integration user had a successful UI login in the look-back window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import HELP_LOGIN_HISTORY, org_not_available, user_finding
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, LOGIN_HISTORY
from sfscan.rules.base import Rule, RuleMeta
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-IU-04",
    title="Integration user logged in to the Salesforce UI",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "Looks for successful UI logins (Application, SAML, Lightning Login, Passwordless Login, "
        "Third Party SSO) of integration users in LoginHistory within lookback_days."
    ),
    risk=(
        "A UI login on a service account means a person, possibly an attacker, is using the "
        "integration's credentials interactively."
    ),
    remediation=Remediation(
        text=(
            "Find out who logged in (Setup > Login History), rotate the user's password and "
            "tokens if it was not expected, and make the user API Only."
        ),
        url=HELP_LOGIN_HISTORY,
    ),
    needs=(*IDENTITY_NEEDS, LOGIN_HISTORY),
    optional_needs=tuple(k for k in IDENTITY_OPTIONAL_NEEDS if k != LOGIN_HISTORY),
)


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    ctx.note_identity_gaps(META.id)
    logins = ctx.logins_for(META.id)
    if logins is None:  # only when called without the engine, which checks META.needs
        return [org_not_available(RULE, ctx, "Not judged: LoginHistory was not read.")]
    findings = []
    for iu in ctx.identity.integration_users:
        seen = logins.of(iu.id)
        evidence: dict[str, Any] = {
            "window": logins.window_evidence(),
            "ui_logins": seen.ui_evidence(),
        }
        if seen.ui_count:
            status = Status.FAILED
            # No counts in the sentence: it must stay the same while the violation does, so
            # Security Hub keeps the workflow status a person set (counts are in the evidence).
            detail = (
                f"Integration user {iu.username} logged in to the Salesforce UI in the look-back "
                "window: find out who logged in and make the user API Only."
            )
        elif logins.uncovered:
            status = Status.NOT_AVAILABLE
            evidence["uncovered"] = logins.uncovered
            detail = (
                f"Could not tell whether {iu.username} logged in to the UI in the whole look-back "
                "window: the snapshot's Login History covers a shorter window; collect again."
            )
        elif seen.undated_rows:
            status = Status.NOT_AVAILABLE
            evidence["undated_login_rows"] = seen.undated_rows
            detail = (
                f"Could not place some logins of {iu.username} in the window (unreadable "
                "LoginTime); check its Login History."
            )
        else:
            status = Status.PASSED
            detail = f"Integration user {iu.username} had no UI login in the window."
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return findings


RULE = Rule(META, evaluate)
