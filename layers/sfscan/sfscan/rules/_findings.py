"""Finding builders and help links shared by the rule modules."""

from __future__ import annotations

from typing import Any

from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.snapshot import Record
from sfscan.rules._identity import IntegrationUser
from sfscan.rules._values import as_text, id18
from sfscan.rules.base import Rule, RuleResult
from sfscan.rules.context import EvaluationContext

_HELP = "https://help.salesforce.com/s/articleView?id={}&type=5"
HELP_INTEGRATION_USER = _HELP.format("platform.integration_user.htm")
HELP_LOGIN_IP_RANGES = _HELP.format("sf.users_profiles_epui_login_ip_ranges_edit.htm")
HELP_LOGIN_HISTORY = _HELP.format("xcloud.users_login_history.htm")
HELP_PERMISSION_SETS = _HELP.format("platform.perm_sets_overview.htm")
HELP_CONNECTED_APP_IP = _HELP.format("xcloud.connected_app_continuous_ip.htm")
HELP_OAUTH_POLICIES = _HELP.format("xcloud.connected_app_manage_oauth.htm")
HELP_ENFORCE_IP_CONTROL = _HELP.format(
    "xcloud.shr_oauth_access_policies_enforce_ip_restrictions.htm"
)
HELP_SESSION_SETTINGS = _HELP.format("xcloud.admin_sessions.htm")
# "Manage Current OAuth Connected App Sessions": install, uninstall, revoke and block apps from
# Setup > Connected Apps OAuth Usage.
HELP_OAUTH_USAGE = _HELP.format("xcloud.connected_app_manage_current_sessions.htm")


def user_finding(
    rule: Rule,
    ctx: EvaluationContext,
    user: IntegrationUser | Record,
    status: Status,
    detail: str,
    evidence: dict[str, Any],
    severity: Severity | None = None,
) -> Finding:
    """A finding about one user; evidence always starts with the username and (if any) reasons."""
    if isinstance(user, IntegrationUser):
        base = user.evidence()
        user_id, username = user.id, user.username
    else:
        user_id = id18(user.get("Id"))
        username = as_text(user.get("Username")) or user_id
        base = {"username": username}
    return rule.finding(
        ctx,
        resource_id=user_id,
        resource_name=username,
        status=status,
        detail=detail,
        evidence={**base, **evidence},
        severity=severity,
        resource_type="User",
    )


def org_not_available(
    rule: Rule, ctx: EvaluationContext, detail: str, **evidence: Any
) -> RuleResult:
    """One org-level NOT_AVAILABLE, for a rule that cannot judge anything (e.g. no networks);
    the detail is also the rule's gap."""
    finding = rule.finding(
        ctx,
        resource_id=ctx.org_id,
        resource_name=ctx.org_name,
        resource_type="Org",
        status=Status.NOT_AVAILABLE,
        detail=detail,
        evidence=evidence,
    )
    return RuleResult((finding,), (detail,))


def network_problem(rule: Rule, ctx: EvaluationContext) -> RuleResult | None:
    """The org-level NOT_AVAILABLE of a rule that compares addresses with allowed_networks,
    when the setting is empty or holds a /0 (no boundary); None when it can judge."""
    if not ctx.settings.allowed_networks:
        return org_not_available(
            rule,
            ctx,
            f"Not judged: allowed_networks is empty; list your company's network CIDRs in the "
            f"org settings so {rule.meta.id} can compare addresses against them.",
            allowed_networks=[],
        )
    everything = [str(n) for n in ctx.settings.allowed_networks if n.prefixlen == 0]
    if not everything:
        return None
    return org_not_available(
        rule,
        ctx,
        f"Not judged: allowed_networks contains {', '.join(everything)}, which is every address "
        f"and no network boundary; list only your company's CIDRs so {rule.meta.id} can judge.",
        allowed_networks=[str(n) for n in ctx.settings.allowed_networks],
    )


def missing_sources(ctx: EvaluationContext, *keys: str) -> dict[str, str]:
    """The subset of ``keys`` that could not be read, with why (evidence of a NOT_AVAILABLE)."""
    return dict(sorted(ctx.snapshot.missing(keys).items()))


def describe_missing(missing: dict[str, str]) -> str:
    """ "sobject:X (why), metadata:Y (why)" for a detail sentence."""
    return ", ".join(f"{key} ({why})" for key, why in missing.items())


def short_reasons(reasons: list[str], limit: int = 2) -> str:
    """A few reasons for a one-sentence detail (the evidence holds them all)."""
    text = "; ".join(reasons[:limit]).replace(". ", "; ").rstrip(".")
    return text + (f"; +{len(reasons) - limit} more" if len(reasons) > limit else "")
