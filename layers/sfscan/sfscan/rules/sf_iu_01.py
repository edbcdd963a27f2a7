"""SF-IU-01: an integration user lacks effective API Only."""

from __future__ import annotations

from sfscan.domain.findings import Remediation, Severity, Status
from sfscan.rules._findings import HELP_INTEGRATION_USER, short_reasons, user_finding
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, USER
from sfscan.rules._permissions import API_ONLY_FIELD
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-IU-01",
    title="Integration user is not API Only",
    severity=Severity.CRITICAL,
    resource_type="User",
    description=(
        "Each integration user must hold the API Only User permission (PermissionsApiUserOnly) "
        "through its profile or an active, unexpired permission set or group assignment."
    ),
    risk=(
        "An integration account that can log in to the Salesforce UI can be used by anyone who "
        "steals or guesses its credentials, from anywhere, to browse and export data by hand."
    ),
    remediation=Remediation(
        text=(
            "Give the user the Salesforce Integration licence with the 'Minimum Access - API Only "
            "Integrations' profile, or assign a permission set that enables 'API Only User'."
        ),
        url=HELP_INTEGRATION_USER,
    ),
    needs=IDENTITY_NEEDS,
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
    resources_from=(USER,),
)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    findings = []
    for iu in ctx.identity.integration_users:
        perms = ctx.permissions.of(iu.user)
        api_only = perms.has(API_ONLY_FIELD)
        evidence: dict[str, object] = {"api_only_from": perms.sources_of(API_ONLY_FIELD)}
        if api_only is True:
            status = Status.PASSED
            detail = f"Integration user {iu.username} is API Only; no action needed."
        elif api_only is False:
            status = Status.FAILED
            detail = (
                f"Integration user {iu.username} can log in to the UI: enable 'API Only User' on "
                "its profile or through a permission set."
            )
        else:
            status = Status.NOT_AVAILABLE
            evidence["unresolved"] = perms.doubts
            detail = (
                f"Could not tell whether integration user {iu.username} is API Only ("
                f"{short_reasons(perms.doubts)}); check its profile and permission sets."
            )
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return RuleResult(tuple(findings), ctx.identity.gaps)


RULE = Rule(META, evaluate)
