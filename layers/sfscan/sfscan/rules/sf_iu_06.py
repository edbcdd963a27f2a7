"""SF-IU-06: an integration user holds an org-wide permission listed in excessive_permissions."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import (
    HELP_PERMISSION_SETS,
    org_not_available,
    short_reasons,
    user_finding,
)
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, USER, IntegrationUser
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-IU-06",
    title="Integration user holds excessive org-wide permissions",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "Checks whether an integration user holds a permission in excessive_permissions (default "
        "ModifyAllData, ViewAllData, ManageUsers, AuthorApex, CustomizeApplication) through its "
        "profile or an effective permission set or group assignment, and says where it came from."
    ),
    risk=(
        "Stolen integration tokens act with the user's permissions: an org-wide permission turns "
        "one leaked token into theft or change of every record in the org."
    ),
    remediation=Remediation(
        text=(
            "Remove the listed permissions from the profile or permission sets named in the "
            "finding and grant only the object and field access the integration needs."
        ),
        url=HELP_PERMISSION_SETS,
    ),
    needs=IDENTITY_NEEDS,
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
    resources_from=(USER,),
)


def _judge(ctx: EvaluationContext, iu: IntegrationUser, wanted: dict[str, str]) -> Finding:
    perms = ctx.permissions.of(iu.user)
    held = {wanted[f]: src for f in wanted if (src := perms.sources_of(f))}
    stale = {wanted[f]: src for f in wanted if (src := perms.stale_sources_of(f))}
    evidence: dict[str, object] = {"permissions": held, "checked": list(wanted.values())}
    # A grant whose record lacks a checked field may hold it: absent is not false.
    unread = sorted({g.source for g in perms.grants for f in wanted if f not in g.record})
    doubts = perms.doubts + [
        f"{source} carries no value for some checked permission" for source in unread
    ]
    if held:
        status = Status.FAILED
        where = "; ".join(f"{p} from {', '.join(src)}" for p, src in sorted(held.items()))
        detail = f"Integration user {iu.username} holds {where}: remove these permissions."
    elif stale:
        status = Status.WARNING
        evidence["permissions_from_stale_groups"] = stale
        evidence["unresolved"] = perms.stale_groups
        where = "; ".join(f"{p} from {', '.join(src)}" for p, src in sorted(stale.items()))
        detail = (
            f"Integration user {iu.username} may hold {where}, a group whose permissions are "
            "being recalculated: check the group once it is Updated."
        )
    elif doubts:
        status = Status.NOT_AVAILABLE
        evidence["unresolved"] = doubts
        detail = (
            f"Could not read all permissions of integration user {iu.username} ("
            f"{short_reasons(doubts)}); check its profile and permission set assignments."
        )
    else:
        status = Status.PASSED
        detail = f"Integration user {iu.username} holds none of the excessive permissions."
    return user_finding(RULE, ctx, iu, status, detail, evidence)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    wanted = {f"Permissions{name}": name for name in ctx.settings.excessive_permissions}
    carriers = [
        record
        for key in ("sobject:Profile", "sobject:PermissionSet")
        for record in ctx.optional_records(key) or []
    ]
    described = {f: name for f, name in wanted.items() if any(f in r for r in carriers)}
    if carriers and not described:
        return org_not_available(
            RULE,
            ctx,
            "Not judged: no Profile or PermissionSet record carries any excessive_permissions "
            "field; grant the scanner user View Setup so those fields are collected.",
            permissions=sorted(wanted.values()),
        )
    # Without any Profile or PermissionSet record every checked permission stays in doubt.
    checked = described or wanted
    findings = [_judge(ctx, iu, checked) for iu in ctx.identity.integration_users]
    return RuleResult(tuple(findings), ctx.identity.gaps)


RULE = Rule(META, evaluate)
