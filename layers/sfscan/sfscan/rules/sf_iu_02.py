"""SF-IU-02: an integration user's profile has no Login IP Range."""

from __future__ import annotations

from sfscan.domain.findings import Remediation, Severity, Status
from sfscan.rules._findings import (
    HELP_LOGIN_IP_RANGES,
    describe_missing,
    missing_sources,
    user_finding,
)
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, USER
from sfscan.rules._values import as_text
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

LOGIN_IP_RANGE = "sobject:LoginIpRange"

META = RuleMeta(
    id="SF-IU-02",
    title="Integration user's profile has no Login IP Range",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "The profile of each integration user must define at least one Login IP Range, so that "
        "Salesforce refuses logins and OAuth token requests from elsewhere."
    ),
    risk=(
        "Without a Login IP Range, stolen credentials or OAuth tokens of the integration user "
        "work from any network on the internet, including an attacker's."
    ),
    remediation=Remediation(
        text=(
            "In Setup > Profiles, open the integration user's profile and add Login IP Ranges "
            "that cover only the networks the integration runs from."
        ),
        url=HELP_LOGIN_IP_RANGES,
    ),
    needs=(*IDENTITY_NEEDS, LOGIN_IP_RANGE),
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
    resources_from=(USER,),
)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    missing = missing_sources(ctx, LOGIN_IP_RANGE)
    findings = []
    for iu in ctx.identity.integration_users:
        profile = ctx.permissions.profile(iu.profile_id)
        profile_name = as_text(profile.get("Name")) if profile else iu.profile_id
        ranges = ctx.ip_ranges_of(iu.profile_id)
        evidence: dict[str, object] = {
            "profile": profile_name,
            "login_ip_ranges": [f"{r.get('StartAddress')}-{r.get('EndAddress')}" for r in ranges],
        }
        if not iu.profile_id:
            status = Status.NOT_AVAILABLE
            detail = f"Could not tell the profile of integration user {iu.username}; check it."
        elif missing:
            status = Status.NOT_AVAILABLE
            evidence["missing"] = missing
            detail = (
                f"Could not read the Login IP Ranges of {iu.username}'s profile "
                f"({describe_missing(missing)}); grant the scanner user View Setup."
            )
        elif ranges:
            status = Status.PASSED
            detail = f"Profile '{profile_name}' of {iu.username} has Login IP Ranges."
        else:
            status = Status.FAILED
            detail = (
                f"Profile '{profile_name}' of integration user {iu.username} has no Login IP "
                "Range: add ranges covering only your integration's networks."
            )
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return RuleResult(tuple(findings), ctx.identity.gaps)


RULE = Rule(META, evaluate)
