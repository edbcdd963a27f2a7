"""Who is an integration user (CONTROL.md "Who is an integration user").

In scope: active, internal (``UserType = 'Standard'``) users. A user in scope is an integration
user when any reason holds (license, profile, api-only, run-as, configured, behavior); users in
``exclude_usernames`` never are. When a source a reason depends on could not be read, the view
records a gap: rules then still judge the users they can identify, but call
``ctx.note_incomplete`` so that a user who dropped out of sight is not taken as fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfscan.domain.settings import IntegrationUserSettings
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._logins import LoginView
from sfscan.rules._permissions import API_ONLY_FIELD, EffectivePermissions
from sfscan.rules._values import as_bool, as_text, id18, id_key, nested

INTEGRATION_LICENSE = "Salesforce Integration"

CONNECTED_APP = "metadata:ConnectedApp"
ECA_POLICIES = "metadata:ExtlClntAppOauthConfigurablePolicies"
LOGIN_HISTORY = "sobject:LoginHistory"
PERMISSION_SET_GROUP = "sobject:PermissionSetGroup"
# Data the identification can use but that no integration-user rule hard-requires.
IDENTITY_OPTIONAL_NEEDS = (CONNECTED_APP, ECA_POLICIES, LOGIN_HISTORY, PERMISSION_SET_GROUP)
IDENTITY_NEEDS = (
    "sobject:User",
    "sobject:Profile",
    "sobject:UserLicense",
    "sobject:PermissionSet",
    "sobject:PermissionSetAssignment",
)


@dataclass(frozen=True)
class IntegrationUser:
    user: Record
    reasons: tuple[str, ...]  # in CONTROL.md order

    @property
    def id(self) -> str:
        return id18(self.user.get("Id"))

    @property
    def username(self) -> str:
        return as_text(self.user.get("Username")) or self.id

    @property
    def profile_id(self) -> str:
        return as_text(self.user.get("ProfileId"))

    def evidence(self) -> dict[str, Any]:
        return {"username": self.username, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class IdentityView:
    in_scope: tuple[Record, ...]
    integration_users: tuple[IntegrationUser, ...]
    gaps: tuple[str, ...]  # sources the identification could not read

    def by_id(self) -> dict[str, IntegrationUser]:
        return {iu.id: iu for iu in self.integration_users}


def is_in_scope(user: Record) -> bool:
    return as_bool(user.get("IsActive")) is True and _is_internal(user)


def _is_internal(user: Record) -> bool:
    return as_text(user.get("UserType")).casefold() == "standard"


def _run_as_usernames(snapshot: Snapshot, gaps: list[str]) -> set[str]:
    """Lower-cased usernames of client-credentials run-as users of connected apps and ECAs."""
    names: set[str] = set()
    sources: tuple[tuple[str, tuple[str, ...]], ...] = (
        (CONNECTED_APP, ("oauthConfig", "oauthClientCredentialUser")),
        (ECA_POLICIES, ("clientCredentialsFlowUser",)),
    )
    for key, path in sources:
        reason = snapshot.missing_reason(key)
        if reason is not None:
            gaps.append(f"{key}: {reason} (run-as users unknown)")
            continue
        names |= {as_text(nested(r, *path)).casefold() for r in snapshot.records(key)} - {""}
        unreadable = sorted(k for k in snapshot.unavailable if k.startswith(key + ":"))
        if unreadable:
            gaps.append(f"unreadable items, run-as users unknown: {', '.join(unreadable)}")
    return names


def identify(
    snapshot: Snapshot,
    config: IntegrationUserSettings,
    permissions: EffectivePermissions,
    logins: LoginView | None,
) -> IdentityView:
    gaps: list[str] = []
    run_as = _run_as_usernames(snapshot, gaps)
    if config.detect_by_behavior and logins is None:
        reason = snapshot.missing_reason(LOGIN_HISTORY)
        gaps.append(f"{LOGIN_HISTORY}: {reason} (behavior reason unknown)")
    elif config.detect_by_behavior and logins is not None and logins.uncovered:
        gaps.append(f"{logins.uncovered} (behavior reason unknown)")
    licences = {
        id_key(r.get("Id")): as_text(r.get("Name")) for r in snapshot.records("sobject:UserLicense")
    }
    profile_names = {p.casefold() for p in config.profiles}
    usernames = {u.casefold() for u in config.usernames}
    excluded = {u.casefold() for u in config.exclude_usernames}
    set_names = {s.casefold() for s in config.permission_sets}
    users = snapshot.records("sobject:User")
    in_scope = tuple(u for u in users if is_in_scope(u))
    unknown_active = sum(1 for u in users if _is_internal(u) and as_bool(u.get("IsActive")) is None)
    if unknown_active:
        gaps.append(f"{unknown_active} internal user(s) have no readable IsActive")
    if set_names and snapshot.missing_reason(PERMISSION_SET_GROUP) is not None:
        reason = snapshot.missing_reason(PERMISSION_SET_GROUP)
        gaps.append(f"{PERMISSION_SET_GROUP}: {reason} (configured group names unknown)")
    if any(not as_text(u.get("Id")) for u in in_scope):
        gaps.append("some active users have no Id and cannot be judged")
        in_scope = tuple(u for u in in_scope if as_text(u.get("Id")))
    found: list[IntegrationUser] = []
    unknown_api_only = 0
    for user in in_scope:
        username = as_text(user.get("Username"))
        if username.casefold() in excluded:
            continue
        perms = permissions.of(user)
        profile = perms.profile or {}
        api_only = perms.has(API_ONLY_FIELD)
        reasons = []
        if licences.get(id_key(profile.get("UserLicenseId"))) == INTEGRATION_LICENSE:
            reasons.append("license")
        if as_text(profile.get("Name")).casefold() in profile_names:
            reasons.append("profile")
        if api_only is True:
            reasons.append("api-only")
        if username.casefold() in run_as:
            reasons.append("run-as")
        held_sets = {n.casefold() for n in perms.permission_set_names()}
        if (
            username.casefold() in usernames
            or config.matches_pattern(username)
            or (held_sets & set_names)
        ):
            reasons.append("configured")
        if config.detect_by_behavior and logins is not None:
            seen = logins.of(as_text(user.get("Id")))
            if seen.api_count > 0 and seen.ui_count == 0:
                reasons.append("behavior")
        if reasons:
            found.append(IntegrationUser(user, tuple(reasons)))
        elif api_only is None:
            unknown_api_only += 1
    if unknown_api_only:
        gaps.append(f"API Only of {unknown_api_only} user(s) could not be resolved")
    return IdentityView(in_scope, tuple(found), tuple(gaps))
