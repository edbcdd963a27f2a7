"""SF-IU-04: an integration user had a successful UI login in the look-back window."""

from __future__ import annotations

from typing import Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import (
    HELP_LOGIN_HISTORY,
    describe_missing,
    missing_sources,
    user_finding,
)
from sfscan.rules._identity import (
    IDENTITY_NEEDS,
    IDENTITY_OPTIONAL_NEEDS,
    LOGIN_HISTORY,
    USER,
    IntegrationUser,
)
from sfscan.rules._logins import LoginView
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-IU-04",
    title="Integration user logged in to the Salesforce UI",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "Looks for successful UI logins (Application, SAML, Lightning Login, Passwordless Login "
        "and passkeys, Third Party SSO, Employee Login to Community, Help And Training, Offline "
        "Client, Certificate-based login) of integration users in LoginHistory within "
        "lookback_days; a successful login of a type sfscan does not know gives WARNING."
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
    resources_from=(USER,),
)


def _judge(ctx: EvaluationContext, iu: IntegrationUser, logins: LoginView) -> Finding:
    seen = logins.of(iu.id)
    evidence: dict[str, Any] = {"window": logins.window_evidence(), "ui_logins": seen.ui_evidence()}
    if seen.unknown_by_type:
        evidence["unknown_logins"] = seen.unknown_evidence()
    if seen.ui_count:
        status = Status.FAILED
        # No counts in the sentence: it must stay the same while the violation does, so
        # Security Hub keeps the workflow status a person set (counts are in the evidence).
        detail = (
            f"Integration user {iu.username} logged in to the Salesforce UI in the look-back "
            "window: find out who logged in and make the user API Only."
        )
    elif seen.unknown_by_type:
        status = Status.WARNING
        types = ", ".join(repr(t) for t in sorted(seen.unknown_by_type))
        detail = (
            f"Integration user {iu.username} had successful logins of a type sfscan does not "
            f"know ({types}): check in Login History whether they were UI logins."
        )
    elif logins.uncovered:
        status = Status.NOT_AVAILABLE
        evidence["uncovered"] = logins.uncovered
        detail = (
            f"Could not tell whether {iu.username} logged in to the UI in the whole look-back "
            "window: the snapshot's Login History covers a shorter window; collect again."
        )
    elif seen.unplaceable_rows or logins.unattributed_rows:
        status = Status.NOT_AVAILABLE
        evidence["unreadable_login_rows"] = {
            "LoginTime": seen.undated_rows,
            "Status": seen.unreadable_status_rows,
            "UserId (any user's)": logins.unattributed_rows,
        }
        detail = (
            f"Could not tell whether some login rows were UI logins of {iu.username} in the "
            "window (unreadable LoginTime, Status or UserId); check its Login History."
        )
    else:
        status = Status.PASSED
        detail = f"Integration user {iu.username} had no UI login in the window."
    return user_finding(RULE, ctx, iu, status, detail, evidence)


def _not_readable(ctx: EvaluationContext, iu: IntegrationUser) -> Finding:
    missing = missing_sources(ctx, LOGIN_HISTORY)
    detail = (
        f"Could not tell whether {iu.username} logged in to the UI ({describe_missing(missing)}); "
        "grant the scanner user Manage Users or Monitor Login History."
    )
    return user_finding(RULE, ctx, iu, Status.NOT_AVAILABLE, detail, {"missing": missing})


def evaluate(ctx: EvaluationContext) -> RuleResult:
    logins = ctx.logins
    findings = [
        _not_readable(ctx, iu) if logins is None else _judge(ctx, iu, logins)
        for iu in ctx.identity.integration_users
    ]
    return RuleResult(tuple(findings), (*ctx.identity.gaps, *ctx.login_gaps()))


RULE = Rule(META, evaluate)
