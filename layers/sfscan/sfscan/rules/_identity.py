"""Who is an integration user (CONTROL.md "Who is an integration user").

In scope: active users who are not portal, community or guest users (``UserType`` outside
``OUT_OF_SCOPE_USER_TYPES``). Every other UserType is judged, including ``AutomatedProcess``,
``CloudIntegrationUser`` and types Salesforce adds later: the UserType of Salesforce
Integration-licence users is not documented, and an integration user must never drop out
silently. Active users left out of scope are listed with the reason (``ScopeView.out_of_scope``).

A user in scope is an integration user when any reason holds (license, profile, api-only,
run-as, configured, behavior); users in ``exclude_usernames`` never are. When a source a reason
depends on could not be read, the view records a gap: rules still judge the users they can
identify and return the gap, so a user who dropped out of sight is not taken as fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfscan.domain.settings import IntegrationUserSettings
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._logins import LoginView
from sfscan.rules._permissions import API_ONLY_FIELD, EffectivePermissions, UserPermissions
from sfscan.rules._values import as_bool, as_text, id18, id_key, nested

INTEGRATION_LICENSE = "Salesforce Integration"

USER = "sobject:User"
PROFILE = "sobject:Profile"
USER_LICENSE = "sobject:UserLicense"
PERMISSION_SET = "sobject:PermissionSet"
ASSIGNMENT = "sobject:PermissionSetAssignment"
CONNECTED_APP = "metadata:ConnectedApp"
ECA_POLICIES = "metadata:ExtlClntAppOauthConfigurablePolicies"
LOGIN_HISTORY = "sobject:LoginHistory"
PERMISSION_SET_GROUP = "sobject:PermissionSetGroup"
# Data the identification can use but that no integration-user rule hard-requires.
IDENTITY_OPTIONAL_NEEDS = (CONNECTED_APP, ECA_POLICIES, LOGIN_HISTORY, PERMISSION_SET_GROUP)
IDENTITY_NEEDS = (USER, PROFILE, USER_LICENSE, PERMISSION_SET, ASSIGNMENT)

# Documented User.UserType values of portal, community and guest users, case-folded -> why
# they are out of scope. They log in through sites and portals; an integration runs as an
# internal user.
OUT_OF_SCOPE_USER_TYPES = {
    "powerpartner": "partner portal or community user (UserType PowerPartner)",
    "powercustomersuccess": "customer portal or community user (UserType PowerCustomerSuccess)",
    "customersuccess": "customer portal user (UserType CustomerSuccess)",
    "cspliteportal": "high-volume portal or community user (UserType CspLitePortal)",
    "selfservice": "self-service portal user (UserType SelfService)",
    "guest": "site guest user (UserType Guest)",
}


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
class ScopeView:
    in_scope: tuple[Record, ...]
    # Active (or possibly active) users no rule judges, each with the reason.
    out_of_scope: tuple[dict[str, str], ...]
    # How many of those were left out only because their record could not be read.
    unreadable: int = 0


@dataclass(frozen=True)
class IdentityView:
    in_scope: tuple[Record, ...]
    integration_users: tuple[IntegrationUser, ...]
    gaps: tuple[str, ...]  # sources the identification could not read

    def by_id(self) -> dict[str, IntegrationUser]:
        return {iu.id: iu for iu in self.integration_users}


def _left_out(user: Record, reason: str) -> dict[str, str]:
    return {
        "user_id": id18(user.get("Id")),
        "username": as_text(user.get("Username")),
        "user_type": as_text(user.get("UserType")),
        "reason": reason,
    }


def _unreadable(user: Record) -> str | None:
    """Why a user record cannot be judged at all; None when it can."""
    active = user.get("IsActive")
    if as_bool(active) is None:
        return f"IsActive is unreadable ({active!r}): cannot tell whether the user is active"
    if not as_text(user.get("Id")):
        return "the user record has no Id, so no finding can name it"
    return None


def scope_of(users: list[Record]) -> ScopeView:
    """Split the users into those the rules judge and those left out (with the reason)."""
    in_scope: list[Record] = []
    left_out: list[dict[str, str]] = []
    unreadable = 0
    for user in users:
        if as_bool(user.get("IsActive")) is False:
            continue  # inactive users cannot log in: nothing to judge, nothing to report
        user_type = as_text(user.get("UserType")).casefold()
        problem = _unreadable(user)
        if user_type in OUT_OF_SCOPE_USER_TYPES:
            left_out.append(_left_out(user, OUT_OF_SCOPE_USER_TYPES[user_type]))
        elif problem is not None:
            unreadable += 1
            left_out.append(_left_out(user, problem))
        else:
            in_scope.append(user)
    return ScopeView(tuple(in_scope), tuple(left_out), unreadable)


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


def _source_gaps(snapshot: Snapshot, config: IntegrationUserSettings) -> list[str]:
    """Reasons that cannot be checked because their source was not read."""
    gaps: list[str] = []
    unknowable = [
        (PROFILE, "license and profile reasons unknown"),
        (USER_LICENSE, "license reason unknown"),
    ]
    if config.permission_sets:
        unknowable += [
            (ASSIGNMENT, "configured permission sets unknown"),
            (PERMISSION_SET, "configured permission sets unknown"),
            (PERMISSION_SET_GROUP, "configured group names unknown"),
        ]
    for key, consequence in unknowable:
        reason = snapshot.missing_reason(key)
        if reason is not None:
            gaps.append(f"{key}: {reason} ({consequence})")
    return gaps


def _login_gaps(
    snapshot: Snapshot, config: IntegrationUserSettings, logins: LoginView | None
) -> list[str]:
    if not config.detect_by_behavior:
        return []
    if logins is None:
        return [
            f"{LOGIN_HISTORY}: {snapshot.missing_reason(LOGIN_HISTORY)} (behavior reason unknown)"
        ]
    if logins.uncovered:
        return [f"{logins.uncovered} (behavior reason unknown)"]
    return []


@dataclass(frozen=True)
class _Matcher:
    """The reasons of CONTROL.md, for one scan's settings and data."""

    config: IntegrationUserSettings
    licences: dict[str, str]  # licence id key -> Name
    run_as: set[str]
    logins: LoginView | None

    def reasons(self, user: Record, perms: UserPermissions) -> list[str]:
        username = as_text(user.get("Username"))
        profile = perms.profile or {}
        checks = (
            (
                "license",
                self.licences.get(id_key(profile.get("UserLicenseId"))) == INTEGRATION_LICENSE,
            ),
            ("profile", as_text(profile.get("Name")).casefold() in _folded(self.config.profiles)),
            ("api-only", perms.has(API_ONLY_FIELD) is True),
            ("run-as", username.casefold() in self.run_as),
            ("configured", self._configured(username, perms)),
            ("behavior", self._behaves_like_integration(user)),
        )
        return [reason for reason, holds in checks if holds]

    def _configured(self, username: str, perms: UserPermissions) -> bool:
        held = {n.casefold() for n in perms.permission_set_names()}
        return (
            username.casefold() in _folded(self.config.usernames)
            or self.config.matches_pattern(username)
            or bool(held & _folded(self.config.permission_sets))
        )

    def _behaves_like_integration(self, user: Record) -> bool:
        if not self.config.detect_by_behavior or self.logins is None:
            return False
        seen = self.logins.of(as_text(user.get("Id")))
        return seen.api_count > 0 and seen.ui_count == 0


def _folded(values: Any) -> set[str]:
    return {v.casefold() for v in values}


def identify(
    snapshot: Snapshot,
    config: IntegrationUserSettings,
    permissions: EffectivePermissions,
    logins: LoginView | None,
    scope: ScopeView,
) -> IdentityView:
    gaps: list[str] = []
    run_as = _run_as_usernames(snapshot, gaps)
    gaps += _login_gaps(snapshot, config, logins)
    gaps += _source_gaps(snapshot, config)
    licence_rows = (
        snapshot.records(USER_LICENSE) if snapshot.missing_reason(USER_LICENSE) is None else []
    )
    licences = {id_key(r.get("Id")): as_text(r.get("Name")) for r in licence_rows}
    matcher = _Matcher(config, licences, run_as, logins)
    excluded = _folded(config.exclude_usernames)
    found: list[IntegrationUser] = []
    unknown_api_only = 0
    for user in scope.in_scope:
        if as_text(user.get("Username")).casefold() in excluded:
            continue
        perms = permissions.of(user)
        reasons = matcher.reasons(user, perms)
        if reasons:
            found.append(IntegrationUser(user, tuple(reasons)))
        elif perms.has(API_ONLY_FIELD) is None:
            unknown_api_only += 1
    if unknown_api_only:
        gaps.append(f"API Only of {unknown_api_only} user(s) could not be resolved")
    if scope.unreadable:
        gaps.append(f"{scope.unreadable} user record(s) could not be read (see out_of_scope)")
    return IdentityView(scope.in_scope, tuple(found), tuple(gaps))
