"""SF-CA-03: a connected app or external client app lets every user self-authorize."""

from __future__ import annotations

from collections.abc import Sequence

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
from sfscan.rules._findings import HELP_OAUTH_POLICIES
from sfscan.rules._values import as_bool, as_text, nested
from sfscan.rules.base import Rule, RuleMeta
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


def _connected_app(ctx: EvaluationContext, app: ConnectedAppView) -> Finding | None:
    soql = as_bool(nested(app.soql, "OptionsAllowAdminApprovedUsersOnly"))
    config = app.oauth_config
    meta = as_bool(config.get("isAdminApproved")) if config is not None else None
    if app.metadata is not None and config is None:
        return None  # metadata says the app is not OAuth-enabled: nobody authorizes it
    evidence = {
        "app": app.name,
        "OptionsAllowAdminApprovedUsersOnly": soql,
        "isAdminApproved": meta,
    }
    if False in (soql, meta):
        status = Status.FAILED
        detail = f"Any user may authorize connected app {app.name}: make it admin-approved only."
    elif app.ambiguous_soql:
        status = Status.NOT_AVAILABLE
        detail = (
            f"Several connected apps are named {app.name} and disagree on who may authorize "
            "them; check each by hand."
        )
        ctx.note_incomplete(META.id, f"connected app {app.resource_id}: ambiguous name")
    elif True in (soql, meta):
        status = Status.PASSED
        detail = f"Connected app {app.name} allows only admin-approved users."
    else:
        status = Status.NOT_AVAILABLE
        detail = f"Could not read who may authorize connected app {app.name}; check it by hand."
        ctx.note_incomplete(META.id, f"connected app {app.resource_id}: {app.unreadable}")
    return RULE.finding(
        ctx,
        resource_id=app.resource_id,
        resource_name=app.name,
        resource_type="ConnectedApp",
        status=status,
        detail=detail,
        evidence=evidence,
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


def evaluate(ctx: EvaluationContext) -> Sequence[Finding]:
    for key in META.optional_needs[:2]:
        if (reason := ctx.snapshot.missing_reason(key)) is not None:
            ctx.note_incomplete(META.id, f"{key}: {reason}")
    apps = connected_apps(ctx.snapshot)
    if any(not app.resource_id for app in apps):
        ctx.note_incomplete(META.id, "a connected app record has no name")
    findings = [f for app in apps if app.resource_id and (f := _connected_app(ctx, app))]
    if ctx.snapshot.missing_reason(ECA_POLICIES) is None:
        labels = eca_labels(ctx.snapshot)
        for record in ctx.snapshot.records(ECA_POLICIES):
            app_id = eca_policy_id(record)
            if not app_id:
                ctx.note_incomplete(META.id, "a policy record names no external client app")
                continue
            policy = as_text(record.get("permittedUsersPolicyType"))
            findings.append(_eca(ctx, app_id, labels.get(app_id) or app_id, policy))
        for full_name, reason in unreadable_items(ctx.snapshot, ECA_POLICIES).items():
            ctx.note_incomplete(META.id, f"external client app policy {full_name}: {reason}")
            app_id = eca_name_of_policy(full_name)
            findings.append(_eca(ctx, app_id, labels.get(app_id) or app_id, ""))
    return findings


RULE = Rule(META, evaluate)
