"""SF-CA-04: an app holds OAuth tokens but is not an installed connected app or external client app.

An app that is not installed has no OAuth policies in the org, so its IP relaxation cannot be
enforced; since September 2025 Salesforce blocks such apps for most users, but users with
*Approve Uninstalled Connected Apps* or *Use Any API Client* can still use them (the 2025
token-theft pattern). ``OauthToken.AppName`` names the app; it is installed when a
``ConnectedApplication`` row, a ``ConnectedApp`` metadata record (label or fullName, with or
without a namespace prefix) or an external client app carries that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.snapshot import Record
from sfscan.domain.timestamps import utc_iso as iso
from sfscan.rules._apps import (
    CONNECTED_APP,
    CONNECTED_APPLICATION,
    ECA_APPS,
    ECA_POLICIES,
    api_name,
    eca_name_of_policy,
    eca_policy_id,
    unreadable_items,
    without_namespace,
)
from sfscan.rules._findings import HELP_OAUTH_USAGE, describe_missing
from sfscan.rules._values import as_text, id18, id_key, nested, parse_time
from sfscan.rules.base import Outcome, Rule, RuleMeta, RuleResult
from sfscan.rules.context import EvaluationContext

OAUTH_SOURCE = "sobject:OauthToken"  # the OAuth tokens users granted to apps
USER = "sobject:User"
MAX_NAMED_USERS = 10

META = RuleMeta(
    id="SF-CA-04",
    title="Uninstalled app holds OAuth tokens",
    severity=Severity.HIGH,
    resource_type="ConnectedApp",
    description=(
        "Every app that holds OAuth tokens in the org (OauthToken.AppName) must be an installed "
        "connected app or external client app; the finding lists the token count, the users "
        "and the last use."
    ),
    risk=(
        "An uninstalled app has no OAuth policies in the org, so IP restrictions and admin "
        "approval cannot be enforced for it; the 2025 token-theft campaigns used such apps."
    ),
    remediation=Remediation(
        text=(
            "In Setup > Connected Apps OAuth Usage, install the app and set its policies (IP "
            "Relaxation 'Enforce IP restrictions', admin-approved users), or revoke its tokens "
            "and block it; review who holds 'Approve Uninstalled Connected Apps' and 'Use Any "
            "API Client'."
        ),
        url=HELP_OAUTH_USAGE,
    ),
    needs=(OAUTH_SOURCE, CONNECTED_APPLICATION, CONNECTED_APP),
    optional_needs=(ECA_APPS, ECA_POLICIES, USER),
    resources_from=(OAUTH_SOURCE,),
)


@dataclass
class _TokenHolder:
    """The tokens of one app (one OauthToken.AppName)."""

    name: str
    tokens: int = 0
    uses: int = 0
    user_ids: set[str] = field(default_factory=set)
    menu_items: set[str] = field(default_factory=set)
    last_used: datetime | None = None

    def add(self, row: Record) -> None:
        self.tokens += 1
        count = row.get("UseCount")
        self.uses += count if isinstance(count, int) and not isinstance(count, bool) else 0
        if user := id18(row.get("UserId")):
            self.user_ids.add(user)
        if item := as_text(row.get("AppMenuItemId")):
            self.menu_items.add(item)
        used = parse_time(row.get("LastUsedDate"))
        if used is not None and (self.last_used is None or used > self.last_used):
            self.last_used = used

    def evidence(self, usernames: dict[str, str]) -> dict[str, Any]:
        users = sorted(usernames.get(id_key(u), u) for u in self.user_ids)
        return {
            "app": self.name,
            "token_count": self.tokens,
            "use_count": self.uses,
            "user_count": len(users),
            "users": users[:MAX_NAMED_USERS],
            "last_used": iso(self.last_used) if self.last_used else None,
            "app_menu_item_ids": sorted(self.menu_items),
        }


def _installed_names(ctx: EvaluationContext) -> set[str]:
    """Case-folded names under which an installed app may appear in OauthToken.AppName."""
    names: set[str] = set()
    for row in ctx.optional_records(CONNECTED_APPLICATION) or []:
        names.add(as_text(row.get("Name")))
    for record in ctx.optional_records(CONNECTED_APP) or []:
        names |= {as_text(record.get("label")), as_text(record.get("fullName"))}
    names |= set(unreadable_items(ctx.snapshot, CONNECTED_APP))
    for record in ctx.optional_records(ECA_APPS) or []:
        names |= {as_text(record.get("label")), as_text(record.get("fullName"))}
    for record in ctx.optional_records(ECA_POLICIES) or []:
        names.add(eca_policy_id(record))
    names |= {eca_name_of_policy(n) for n in unreadable_items(ctx.snapshot, ECA_POLICIES)}
    names |= {without_namespace(n) for n in names}
    return {n.casefold() for n in names if n}


def _unreadable_lists(ctx: EvaluationContext) -> dict[str, str]:
    """App lists that could not be read: without them an app cannot be called uninstalled."""
    missing = ctx.snapshot.missing((CONNECTED_APPLICATION, CONNECTED_APP))
    eca_lists = (ECA_APPS, ECA_POLICIES)
    eca = ctx.snapshot.missing(eca_lists)
    if len(eca) == len(eca_lists):  # either list names the org's external client apps
        missing.update(eca)
    return dict(sorted(missing.items()))


def _judge(
    ctx: EvaluationContext,
    holder: _TokenHolder,
    installed: set[str],
    unreadable: dict[str, str],
    usernames: dict[str, str],
) -> Finding:
    evidence = holder.evidence(usernames)
    name = holder.name
    if name.casefold() in installed or api_name(name).casefold() in installed:
        status = Status.PASSED
        detail = f"App {name} holds OAuth tokens and is installed, so its OAuth policies apply."
    elif unreadable:
        status = Status.NOT_AVAILABLE
        evidence["missing"] = unreadable
        detail = (
            f"Could not tell whether app {name}, which holds OAuth tokens, is installed "
            f"({describe_missing(unreadable)}); check Connected Apps OAuth Usage."
        )
    else:
        status = Status.FAILED
        # Stable wording (counts, users and last use are in the evidence).
        detail = (
            f"App {name} holds OAuth tokens but is not installed, so no IP restriction applies "
            "to it: install and restrict it, or revoke its tokens and block it."
        )
    return RULE.finding(
        ctx, resource_id=name, resource_name=name, status=status, detail=detail, evidence=evidence
    )


def evaluate(ctx: EvaluationContext) -> RuleResult:
    out = Outcome()
    holders: dict[str, _TokenHolder] = {}
    nameless = 0
    for row in ctx.snapshot.records(OAUTH_SOURCE):
        app = as_text(row.get("AppName"))
        if not app:
            nameless += 1
            continue
        holders.setdefault(app, _TokenHolder(app)).add(row)
    if nameless:
        out.gap(f"{nameless} OAuth token(s) name no app")
    if (why := nested(ctx.snapshot.collection, "truncated", OAUTH_SOURCE)) is not None:
        out.gap(f"{OAUTH_SOURCE} was read only in part: {why}")
    unreadable = _unreadable_lists(ctx)
    if unreadable:
        out.gap("app lists unreadable: " + describe_missing(unreadable))
    usernames = {
        id_key(u.get("Id")): as_text(u.get("Username")) or id18(u.get("Id"))
        for u in ctx.optional_records(USER) or []
    }
    installed = _installed_names(ctx)
    for name in sorted(holders):
        out.add(_judge(ctx, holders[name], installed, unreadable, usernames))
    return out.result()


RULE = Rule(META, evaluate)
