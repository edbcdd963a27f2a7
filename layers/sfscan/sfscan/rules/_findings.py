"""Finding builders and help links shared by the rule modules."""

from __future__ import annotations

from typing import Any

from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.snapshot import Record
from sfscan.rules._identity import IntegrationUser
from sfscan.rules._values import as_text, id18
from sfscan.rules.base import Rule
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


def org_not_available(rule: Rule, ctx: EvaluationContext, detail: str, **evidence: Any) -> Finding:
    """One org-level NOT_AVAILABLE, for a rule that cannot judge anything (e.g. no networks)."""
    ctx.note_incomplete(rule.meta.id, detail)
    return rule.finding(
        ctx,
        resource_id=ctx.org_id,
        resource_name=ctx.org_name,
        resource_type="Org",
        status=Status.NOT_AVAILABLE,
        detail=detail,
        evidence=evidence,
    )


def no_allowed_networks(rule: Rule, ctx: EvaluationContext) -> Finding:
    return org_not_available(
        rule,
        ctx,
        f"Not judged: allowed_networks is empty; list your company's network CIDRs in the "
        f"org settings so {rule.meta.id} can compare addresses against them.",
        allowed_networks=[],
    )


def whole_internet_networks(ctx: EvaluationContext) -> list[str]:
    """allowed_networks entries that contain every address of their family (``/0``)."""
    return [str(n) for n in ctx.settings.allowed_networks if n.prefixlen == 0]


def not_a_boundary(rule: Rule, ctx: EvaluationContext, networks: list[str]) -> Finding:
    """allowed_networks holds a /0: every address is "inside", so nothing could fail."""
    return org_not_available(
        rule,
        ctx,
        f"Not judged: allowed_networks contains {', '.join(networks)}, which is every address "
        f"and no network boundary; list only your company's CIDRs so {rule.meta.id} can judge.",
        allowed_networks=[str(n) for n in ctx.settings.allowed_networks],
    )
