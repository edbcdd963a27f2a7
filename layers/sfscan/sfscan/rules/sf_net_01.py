"""SF-NET-01: successful API logins from a SourceIp outside allowed_networks."""

from __future__ import annotations

from typing import Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.snapshot import Record
from sfscan.rules._findings import (
    HELP_LOGIN_IP_RANGES,
    network_problem,
    org_not_available,
    user_finding,
)
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, LOGIN_HISTORY, USER
from sfscan.rules._logins import LoginView
from sfscan.rules._netutil import parse_ip
from sfscan.rules._values import as_text, id18
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-NET-01",
    title="API logins from outside the company network",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "For users in outside_login_scope (integration users, or all active users in scope), "
        "every successful API login in the look-back window must come from a SourceIp inside "
        "allowed_networks. Users without API logins in the window get no finding."
    ),
    risk=(
        "API logins from unknown networks are the signature of stolen OAuth tokens or "
        "credentials being replayed by an attacker."
    ),
    remediation=Remediation(
        text=(
            "Confirm whether the listed IPs belong to you; if not, revoke the user's OAuth tokens "
            "and reset its credentials, then add Login IP Ranges and enforce IP restrictions on "
            "its apps. If they are yours, add them to allowed_networks."
        ),
        url=HELP_LOGIN_IP_RANGES,
    ),
    needs=(*IDENTITY_NEEDS, LOGIN_HISTORY),
    optional_needs=tuple(k for k in IDENTITY_OPTIONAL_NEEDS if k != LOGIN_HISTORY),
    # The users this rule judges are those with API logins: LoginHistory lists them.
    resources_from=(USER, LOGIN_HISTORY),
)


def _users_in_scope(ctx: EvaluationContext) -> list[tuple[Record, dict[str, Any]]]:
    """(user, extra evidence) for each user whose API logins this rule judges."""
    if ctx.settings.outside_login_scope == "all":
        reasons = {iu.id: list(iu.reasons) for iu in ctx.identity.integration_users}
        return [(u, {"reasons": reasons.get(id18(u.get("Id")), [])}) for u in ctx.identity.in_scope]
    return [(iu.user, {"reasons": list(iu.reasons)}) for iu in ctx.identity.integration_users]


def _judge(
    ctx: EvaluationContext, user: Record, extra: dict[str, Any], logins: LoginView
) -> Finding | None:
    seen = logins.of(as_text(user.get("Id")))
    if not seen.api_by_ip:
        return None  # no API login in the window: nothing to judge
    outside: dict[str, Any] = {}
    unreadable: dict[str, Any] = {}
    for ip_text, usage in sorted(seen.api_by_ip.items()):
        address = parse_ip(ip_text)
        if address is None:
            unreadable[ip_text] = usage.evidence()
        elif not ctx.allowed_networks.contains(address):
            outside[ip_text] = usage.evidence()
    evidence = {
        **extra,
        "window": logins.window_evidence(),
        "api_logins": seen.api_count,
        "outside_ips": outside,
        "unreadable_ips": unreadable,
    }
    name = as_text(user.get("Username"))
    if outside:
        status = Status.FAILED
        # Stable wording (IPs and counts are in the evidence) so an unchanged violation
        # re-imports into Security Hub unchanged.
        detail = (
            f"User {name} made API logins from IP addresses outside allowed_networks: "
            "confirm them or revoke its tokens and credentials."
        )
    elif logins.uncovered:
        status = Status.NOT_AVAILABLE
        evidence["uncovered"] = logins.uncovered
        detail = (
            f"Could not judge every API login of {name} in the look-back window: the "
            "snapshot's Login History covers a shorter window; collect again."
        )
    elif unreadable or seen.unplaceable_rows or logins.unattributed_rows:
        status = Status.NOT_AVAILABLE
        evidence["unreadable_login_rows"] = seen.unplaceable_rows + logins.unattributed_rows
        detail = (
            f"Some login rows of {name} have an unreadable SourceIp, LoginTime, Status or "
            "UserId; check its Login History."
        )
    else:
        status = Status.PASSED
        detail = f"Every API login of {name} in the window came from allowed_networks."
    return user_finding(RULE, ctx, user, status, detail, evidence)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    if (problem := network_problem(RULE, ctx)) is not None:
        return problem
    logins = ctx.logins
    if logins is None:  # only when called without the engine, which checks resources_from
        return org_not_available(RULE, ctx, "Not judged: LoginHistory was not read.")
    findings = [
        finding
        for user, extra in _users_in_scope(ctx)
        if (finding := _judge(ctx, user, extra, logins)) is not None
    ]
    gaps = [*ctx.login_gaps()]
    if ctx.settings.outside_login_scope != "all":
        gaps += ctx.identity.gaps
    elif ctx.scope.unreadable:
        gaps.append(f"{ctx.scope.unreadable} user record(s) could not be read (see out_of_scope)")
    return RuleResult(tuple(findings), tuple(gaps))


RULE = Rule(META, evaluate)
