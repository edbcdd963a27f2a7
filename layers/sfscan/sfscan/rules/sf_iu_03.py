"""SF-IU-03: a Login IP Range of an integration user's profile is outside allowed_networks."""

from __future__ import annotations

from collections.abc import Sequence

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._findings import (
    HELP_LOGIN_IP_RANGES,
    no_allowed_networks,
    not_a_boundary,
    user_finding,
    whole_internet_networks,
)
from sfscan.rules._identity import IDENTITY_NEEDS, IDENTITY_OPTIONAL_NEEDS
from sfscan.rules._netutil import AddressRange
from sfscan.rules._values import as_text
from sfscan.rules.base import Rule, RuleMeta
from sfscan.rules.context import EvaluationContext

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
    needs=(*IDENTITY_NEEDS, "sobject:LoginIpRange"),
    optional_needs=IDENTITY_OPTIONAL_NEEDS,
)


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    if not ctx.settings.allowed_networks:
        return [no_allowed_networks(RULE, ctx)]
    if everything := whole_internet_networks(ctx):
        return [not_a_boundary(RULE, ctx, everything)]
    ctx.note_identity_gaps(META.id)
    networks = [str(n) for n in ctx.settings.allowed_networks]
    findings = []
    for iu in ctx.identity.integration_users:
        rows = ctx.ip_ranges_of(iu.profile_id)
        if not rows:
            continue  # SF-IU-02 reports a profile without ranges
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
            "allowed_networks": networks,
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
        findings.append(user_finding(RULE, ctx, iu, status, detail, evidence))
    return findings


RULE = Rule(META, evaluate)
