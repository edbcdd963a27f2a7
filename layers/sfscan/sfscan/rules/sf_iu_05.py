"""SF-IU-05: an integration user's profile is shared with people (not dedicated to integrations)."""

from __future__ import annotations

from sfscan.domain.findings import Remediation, Severity, Status
from sfscan.rules._findings import HELP_INTEGRATION_USER, user_finding
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, USER
from sfscan.rules._values import as_text, id18, id_key
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

MAX_NAMED_USERS = 5

META = RuleMeta(
    id="SF-IU-05",
    title="Integration user's profile is shared with non-integration users",
    severity=Severity.MEDIUM,
    resource_type="User",
    description=(
        "The profile of an integration user must not also be the profile of an active user in "
        "scope (not a portal, community or guest user) who is not an integration user."
    ),
    risk=(
        "API Only and tight Login IP Ranges cannot be set on a profile that people also need for "
        "their daily work, so a shared profile keeps the integration's access loose."
    ),
    remediation=Remediation(
        text=(
            "Move integration users to a dedicated profile (ideally 'Minimum Access - API Only "
            "Integrations' with the Salesforce Integration licence) and grant access through "
            "permission sets."
        ),
        url=HELP_INTEGRATION_USER,
    ),
    needs=IDENTITY_NEEDS,
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
    resources_from=(USER,),
)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    integration_ids = set(ctx.identity.by_id())
    people_by_profile: dict[str, list[str]] = {}
    for user in ctx.identity.in_scope:
        if id18(user.get("Id")) not in integration_ids:
            people_by_profile.setdefault(id_key(user.get("ProfileId")), []).append(
                as_text(user.get("Username"))
            )
    findings = []
    for iu in ctx.identity.integration_users:
        profile = ctx.permissions.profile(iu.profile_id) or {}
        name = as_text(profile.get("Name")) or iu.profile_id
        sharers = sorted(people_by_profile.get(id_key(iu.profile_id), [])) if iu.profile_id else []
        evidence = {
            "profile": name,
            "shared_with_count": len(sharers),
            "shared_with": sharers[:MAX_NAMED_USERS],
        }
        if not iu.profile_id:
            status = Status.NOT_AVAILABLE
            detail = f"Could not tell the profile of integration user {iu.username}; check it."
        elif sharers:
            status = Status.FAILED
            detail = (
                f"Profile '{name}' of integration user {iu.username} is also used by "
                f"{len(sharers)} other user(s) such as {sharers[0]}: give the integration user a "
                "dedicated profile."
            )
        else:
            status = Status.PASSED
            detail = f"Profile '{name}' is used only by integration users."
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return RuleResult(tuple(findings), ctx.identity.gaps)


RULE = Rule(META, evaluate)
