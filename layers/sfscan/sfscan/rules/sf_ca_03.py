"""SF-CA-03: a connected app or external client app lets every user self-authorize."""

from __future__ import annotations

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.rules._apps import (
    CONNECTED_APP,
    CONNECTED_APPLICATION,
    ECA_APPS,
    ECA_POLICIES,
    ConnectedAppView,
    connected_apps,
    eca_labels,
    eca_name_of_policy,
    eca_policy_id,
    unreadable_items,
)
from sfscan.rules._findings import HELP_OAUTH_POLICIES, org_not_available
from sfscan.rules._values import as_bool, nested
from sfscan.rules.base import Outcome, Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

META = RuleMeta(
    id="SF-CA-03",
    title="OAuth app lets all users self-authorize",
    severity=Severity.MEDIUM,
    resource_type="ConnectedApp or ExternalClientApp",
    description=(
        "Connected apps must allow only admin-approved users (OptionsAllowAdminApprovedUsersOnly "
        "or oauthConfig.isAdminApproved true; if the two disagree, self-authorization wins) and "
        "external client apps must not use permittedUsersPolicyType AllSelfAuthorized."
    ),
    risk=(
        "When any user may authorize an app, a phished or vished user can connect an attacker's "
        "look-alike app and hand it a token to the org's data."
    ),
    remediation=Remediation(
        text=(
            "Set Permitted Users to 'Admin approved users are pre-authorized' in the app's OAuth "
            "policies and assign the app to the profiles or permission sets that need it."
        ),
        url=HELP_OAUTH_POLICIES,
    ),
    needs=(CONNECTED_APPLICATION,),
    optional_needs=(CONNECTED_APP, ECA_POLICIES, ECA_APPS),
)


def _connected_app_verdict(
    ctx: EvaluationContext, app: ConnectedAppView, soql: bool | None, meta: bool | None
) -> tuple[Status, str]:
    if False in (soql, meta):
        return Status.FAILED, (
            f"Any user may authorize connected app {app.name}: make it admin-approved only."
        )
    if app.ambiguous_soql:
        return Status.NOT_AVAILABLE, (
            f"Several connected apps are named {app.name} and disagree on who may authorize "
            "them; check each by hand."
        )
    if (reason := ctx.missing_reason(CONNECTED_APPLICATION)) is not None:
        # OptionsAllowAdminApprovedUsersOnly could not be read; it wins when the two disagree.
        return Status.NOT_AVAILABLE, (
            f"Could not read who may authorize connected app {app.name} "
            f"({CONNECTED_APPLICATION}: {reason}); check it by hand."
        )
    if True in (soql, meta):
        return Status.PASSED, f"Connected app {app.name} allows only admin-approved users."
    return Status.NOT_AVAILABLE, (
        f"Could not read who may authorize connected app {app.name}; check it by hand."
    )


def _connected_app(ctx: EvaluationContext, app: ConnectedAppView) -> Finding | None:
    soql = as_bool(nested(app.soql, "OptionsAllowAdminApprovedUsersOnly"))
    config = app.oauth_config
    meta = as_bool(config.get("isAdminApproved")) if config is not None else None
    if app.metadata is not None and config is None:
        return None  # metadata says the app is not OAuth-enabled: nobody authorizes it
    status, detail = _connected_app_verdict(ctx, app, soql, meta)
    return RULE.finding(
        ctx,
        resource_id=app.resource_id,
        resource_name=app.name,
        resource_type="ConnectedApp",
        status=status,
        detail=detail,
        evidence={
            "app": app.name,
            "OptionsAllowAdminApprovedUsersOnly": soql,
            "isAdminApproved": meta,
        },
    )


def _eca(ctx: EvaluationContext, app_id: str, name: str, policy: str) -> Finding:
    if policy.casefold() == "allselfauthorized":
        status = Status.FAILED
        detail = f"Any user may authorize external client app {name}: make it admin-approved."
    elif policy.casefold() == "adminapprovedpreauthorized":
        status = Status.PASSED
        detail = f"External client app {name} allows only admin-approved users."
    else:
        status = Status.NOT_AVAILABLE
        detail = f"Could not read who may authorize external client app {name}; check it by hand."
    return RULE.finding(
        ctx,
        resource_id=app_id,
        resource_name=name,
        resource_type="ExternalClientApp",
        status=status,
        detail=detail,
        evidence={"app": name, "permittedUsersPolicyType": policy or None},
    )


def _connected_apps(ctx: EvaluationContext, out: Outcome) -> None:
    for key in (CONNECTED_APPLICATION, CONNECTED_APP):
        if (reason := ctx.missing_reason(key)) is not None:
            out.gap(f"{key}: {reason}")
    for app in connected_apps(ctx.snapshot):
        if not app.resource_id:
            out.gap("a connected app record has no name")
            continue
        finding = _connected_app(ctx, app)
        if finding is not None and finding.status is Status.NOT_AVAILABLE:
            out.gap(f"connected app {app.resource_id}: {app.unreadable or 'not readable'}")
        out.add(finding)


def _external_client_apps(ctx: EvaluationContext, out: Outcome) -> None:
    if (reason := ctx.missing_reason(ECA_POLICIES)) is not None:
        out.gap(f"{ECA_POLICIES}: {reason}")
        return
    labels = eca_labels(ctx.snapshot)
    for record in ctx.snapshot.records(ECA_POLICIES):
        app_id = eca_policy_id(record)
        if not app_id:
            out.gap("a policy record names no external client app")
            continue
        policy = record.get("permittedUsersPolicyType")
        text = policy if isinstance(policy, str) else ""
        out.add(_eca(ctx, app_id, labels.get(app_id) or app_id, text.strip()))
    for full_name, reason in unreadable_items(ctx.snapshot, ECA_POLICIES).items():
        out.gap(f"external client app policy {full_name}: {reason}")
        app_id = eca_name_of_policy(full_name)
        out.add(_eca(ctx, app_id, labels.get(app_id) or app_id, ""))


def evaluate(ctx: EvaluationContext) -> RuleResult:
    sources = (CONNECTED_APPLICATION, CONNECTED_APP, ECA_POLICIES)
    if len(missing := ctx.snapshot.missing(sources)) == len(sources):
        reasons = "; ".join(f"{key}: {why}" for key, why in sorted(missing.items()))
        return org_not_available(
            RULE, ctx, f"Not judged: no list of apps could be read ({reasons}).", missing=missing
        )
    out = Outcome()
    _connected_apps(ctx, out)
    _external_client_apps(ctx, out)
    return out.result()


RULE = Rule(META, evaluate)
