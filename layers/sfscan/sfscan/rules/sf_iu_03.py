"""SF-IU-03: a Login IP Range of an integration user's profile is outside allowed_networks."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.snapshot import Record
from sfscan.rules._findings import (
    HELP_LOGIN_IP_RANGES,
    describe_missing,
    missing_sources,
    network_problem,
    user_finding,
)
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS, USER, IntegrationUser
from sfscan.rules._netutil import AddressRange
from sfscan.rules._values import as_text
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

LOGIN_IP_RANGE = "sobject:LoginIpRange"

META = RuleMeta(
    id="SF-IU-03",
    title="Integration user's Login IP Range reaches outside the company network",
    severity=Severity.HIGH,
    resource_type="User",
    description=(
        "Every Login IP Range on an integration user's profile must lie wholly inside the "
        "allowed_networks setting (IPv4 and IPv6); profiles without ranges are SF-IU-02's job."
    ),
    risk=(
        "A range wider than the company's networks lets the integration's credentials and "
        "tokens be used from networks the company does not control."
    ),
    remediation=Remediation(
        text=(
            "Narrow the profile's Login IP Ranges to the company's egress networks, or add a "
            "network that is really yours to allowed_networks."
        ),
        url=HELP_LOGIN_IP_RANGES,
    ),
    needs=(*IDENTITY_NEEDS, LOGIN_IP_RANGE),
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
    resources_from=(USER,),
)


def _judge(ctx: EvaluationContext, iu: IntegrationUser, rows: list[Record]) -> Finding:
    ranges = [AddressRange.parse(r.get("StartAddress"), r.get("EndAddress")) for r in rows]
    outside = [r.text for r in ranges if r.inside(ctx.allowed_networks) is False]
    unreadable = [r.problem for r in ranges if r.problem]
    profile = ctx.permissions.profile(iu.profile_id) or {}
    name = as_text(profile.get("Name")) or iu.profile_id
    evidence = {
        "profile": name,
        "login_ip_ranges": [r.text for r in ranges],
        "outside_ranges": outside,
        "unreadable_ranges": unreadable,
        "allowed_networks": [str(n) for n in ctx.settings.allowed_networks],
    }
    if outside:
        status = Status.FAILED
        detail = (
            f"Profile '{name}' of integration user {iu.username} allows logins from "
            f"{', '.join(outside)}, outside allowed_networks: narrow those ranges."
        )
    elif unreadable:
        status = Status.NOT_AVAILABLE
        detail = (
            f"Could not read a Login IP Range of profile '{name}' ({'; '.join(unreadable)}); "
            f"correct the range so {iu.username} can be judged."
        )
    else:
        status = Status.PASSED
        detail = f"Every Login IP Range of profile '{name}' lies inside allowed_networks."
    return user_finding(RULE, ctx, iu, status, detail, evidence)


def _not_readable(ctx: EvaluationContext, iu: IntegrationUser, missing: dict[str, str]) -> Finding:
    detail = (
        f"Could not read the Login IP Ranges of {iu.username}'s profile "
        f"({describe_missing(missing)}); grant the scanner user View Setup."
    )
    return user_finding(RULE, ctx, iu, Status.NOT_AVAILABLE, detail, {"missing": missing})


def evaluate(ctx: EvaluationContext) -> RuleResult:
    if (problem := network_problem(RULE, ctx)) is not None:
        return problem
    missing = missing_sources(ctx, LOGIN_IP_RANGE)
    findings = []
    for iu in ctx.identity.integration_users:
        if missing:
            findings.append(_not_readable(ctx, iu, missing))
        elif rows := ctx.ip_ranges_of(iu.profile_id):
            findings.append(_judge(ctx, iu, rows))
        # else: SF-IU-02 reports a profile without ranges
    return RuleResult(tuple(findings), ctx.identity.gaps)


RULE = Rule(META, evaluate)
