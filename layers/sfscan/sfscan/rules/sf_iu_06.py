"""SF-IU-06: an integration user holds an org-wide permission listed in excessive_permissions."""

from __future__ import annotations

from collections.abc import Sequence

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import HELP_PERMISSION_SETS, org_not_available, user_finding
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS
from sfscan.rules.base import Rule, RuleMeta
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
)


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    wanted = {f"Permissions{name}": name for name in ctx.settings.excessive_permissions}
    carriers = ctx.snapshot.records("sobject:Profile") + ctx.snapshot.records(
        "sobject:PermissionSet"
    )
    described = [field for field in wanted if any(field in record for record in carriers)]
    if not described:
        return [
            org_not_available(
                RULE,
                ctx,
                "Not judged: no Profile or PermissionSet record carries any excessive_permissions "
                "field; grant the scanner user View Setup so those fields are collected.",
                permissions=sorted(wanted.values()),
            )
        ]
    ctx.note_identity_gaps(META.id)
    findings = []
    for iu in ctx.identity.integration_users:
        perms = ctx.permissions.of(iu.user)
        held = {wanted[f]: perms.sources_of(f) for f in described if perms.sources_of(f)}
        evidence = {"permissions": held, "checked": [wanted[f] for f in described]}
        # A grant whose record lacks a checked field may hold it: absent is not false.
        unread = sorted({g.source for g in perms.grants for f in described if f not in g.record})
        if held:
            status = Status.FAILED
            where = "; ".join(f"{p} from {', '.join(src)}" for p, src in sorted(held.items()))
            detail = f"Integration user {iu.username} holds {where}: remove these permissions."
        elif perms.unresolved or unread:
            status = Status.NOT_AVAILABLE
            evidence["unresolved"] = list(perms.unresolved) + [
                f"{source} carries no value for some checked permission" for source in unread
            ]
            detail = (
                f"Could not read all permissions of integration user {iu.username}; check its "
                "profile and permission set assignments."
            )
        else:
            status = Status.PASSED
            detail = f"Integration user {iu.username} holds none of the excessive permissions."
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return findings


RULE = Rule(META, evaluate)
