"""SF-IU-02: an integration user's profile has no Login IP Range."""

from __future__ import annotations

from collections.abc import Sequence

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import HELP_LOGIN_IP_RANGES, user_finding
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS
from sfscan.rules._values import as_text
from sfscan.rules.base import Rule, RuleMeta
from sfscan.rules.context import EvaluationContext

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
    needs=(*IDENTITY_NEEDS, "sobject:LoginIpRange"),
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
)


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    ctx.note_identity_gaps(META.id)
    findings = []
    for iu in ctx.identity.integration_users:
        profile = ctx.permissions.profile(iu.profile_id)
        profile_name = as_text(profile.get("Name")) if profile else iu.profile_id
        ranges = ctx.ip_ranges_of(iu.profile_id)
        evidence = {
            "profile": profile_name,
            "login_ip_ranges": [f"{r.get('StartAddress')}-{r.get('EndAddress')}" for r in ranges],
        }
        if not iu.profile_id:
            status = Status.NOT_AVAILABLE
            detail = f"Could not tell the profile of integration user {iu.username}; check it."
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
    return findings


RULE = Rule(META, evaluate)
