"""SF-ORG-01: Login IP Ranges are not enforced on every request."""

from __future__ import annotations

from sfscan.domain.findings import Remediation, Severity, Status
from sfscan.rules._findings import HELP_SESSION_SETTINGS
from sfscan.rules._values import as_bool, as_text, nested
from sfscan.rules.base import Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

SECURITY_SETTINGS = "metadata:SecuritySettings"

META = RuleMeta(
    id="SF-ORG-01",
    title="Login IP Ranges are not enforced on every request",
    severity=Severity.MEDIUM,
    resource_type="Org",
    description=(
        "SecuritySettings.sessionSettings.enforceIpRangesEveryRequest must be true, so profile "
        "Login IP Ranges are checked on every request and not only at login."
    ),
    risk=(
        "When ranges are checked only at login, a session or token obtained inside the range "
        "keeps working after it is moved to another network."
    ),
    remediation=Remediation(
        text=("In Setup > Session Settings, select 'Enforce login IP ranges on every request'."),
        url=HELP_SESSION_SETTINGS,
    ),
    needs=(SECURITY_SETTINGS,),
    resources_from=(SECURITY_SETTINGS,),
)


def evaluate(ctx: EvaluationContext) -> RuleResult:
    records = ctx.snapshot.records(SECURITY_SETTINGS)
    record = next((r for r in records if as_text(r.get("fullName")) == "Security"), None)
    if record is None and records:
        record = records[0]
    raw = nested(record, "sessionSettings", "enforceIpRangesEveryRequest")
    enforced = as_bool(raw)
    if enforced is True:
        status = Status.PASSED
        detail = f"Org {ctx.org_name} enforces Login IP Ranges on every request."
    elif enforced is False:
        status = Status.FAILED
        detail = (
            f"Org {ctx.org_name} checks Login IP Ranges only at login: turn on 'Enforce login IP "
            "ranges on every request' in Session Settings."
        )
    else:
        status = Status.NOT_AVAILABLE
        reason = ctx.snapshot.item_unavailable("SecuritySettings", "Security")
        detail = (
            f"Could not read 'Enforce login IP ranges on every request' for org {ctx.org_name}"
            f"{f' ({reason})' if reason else ''}; check Session Settings by hand."
        )
    finding = RULE.finding(
        ctx,
        resource_id=ctx.org_id,
        resource_name=ctx.org_name,
        status=status,
        detail=detail,
        evidence={"enforceIpRangesEveryRequest": raw},
    )
    return RuleResult((finding,))


RULE = Rule(META, evaluate)
