"""Effective permissions: what a user holds through its profile and effective assignments.

An assignment counts when it is active (``IsActive`` true or absent), not revoked (``IsRevoked``
false or absent) and not expired (``ExpirationDate`` empty or after the evaluation time). Its
permission set is a plain set, a profile-owned set, or a permission-set group's aggregate set: an
assignment with ``PermissionSetGroupId`` points at the group, whose aggregate PermissionSet carries
the same ``PermissionSetGroupId``; a ``PermissionSetId`` that points straight at the aggregate set
works too. A group whose ``Status`` is not ``Updated`` may carry stale aggregate permissions: its
grant is ``stale`` and never makes a verdict PASS. Anything that cannot be resolved (including a
source that could not be read) is reported as ``unresolved`` so a rule never passes on a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sfscan.domain.snapshot import Record
from sfscan.rules._values import as_bool, as_text, id_key, parse_time, record_id_key

API_ONLY_FIELD = "PermissionsApiUserOnly"
PROFILE = "sobject:Profile"
PERMISSION_SET = "sobject:PermissionSet"
ASSIGNMENT = "sobject:PermissionSetAssignment"
GROUP = "sobject:PermissionSetGroup"
GROUP_UPDATED = "updated"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A bare date ends somewhere between UTC+14 and UTC-12 (the org's time zone is not collected).
_EARLIEST_ZONE, _LATEST_ZONE = timedelta(hours=14), timedelta(hours=12)


def expiry_bounds(value: object) -> tuple[datetime, datetime] | None:
    """(earliest, latest) moment an ExpirationDate may mean; None when unreadable.

    A date-time is one moment. A bare date (``2026-11-28``) is a day in the org's time zone,
    which the snapshot does not hold: it lies between the day's start at UTC+14 and its end at
    UTC-12, and between those the assignment may or may not have expired.
    """
    moment = parse_time(value)
    if moment is None:
        return None
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
        return moment - _EARLIEST_ZONE, moment + timedelta(days=1) + _LATEST_ZONE
    return moment, moment


@dataclass(frozen=True)
class Grant:
    """One place a user's permissions come from: the profile or one permission set."""

    source: str  # "profile 'X'", "permission set 'Y'" or "permission set group 'Z'"
    record: Record  # the Profile or PermissionSet record carrying the Permissions* fields
    names: frozenset[str]  # names an admin may use for it (Name, Label, group names)
    # Why this group's aggregate permissions may be stale (its Status is not Updated), else None.
    stale: str | None = None


@dataclass(frozen=True)
class UserPermissions:
    profile: Record | None
    grants: tuple[Grant, ...]  # the profile first (when read), then each effective assignment's
    unresolved: tuple[str, ...]  # why some of the user's permissions could not be read

    def sources_of(self, field: str) -> list[str]:
        """Where ``field`` (e.g. ``PermissionsModifyAllData``) is granted by an up-to-date
        source, without repeats."""
        return self._sources(field, stale=False)

    def stale_sources_of(self, field: str) -> list[str]:
        """Groups whose possibly stale aggregate permissions grant ``field``."""
        return self._sources(field, stale=True)

    def _sources(self, field: str, *, stale: bool) -> list[str]:
        out: list[str] = []
        for grant in self.grants:
            if (grant.stale is not None) != stale or grant.source in out:
                continue
            if as_bool(grant.record.get(field)) is True:
                out.append(grant.source)
        return out

    @property
    def stale_groups(self) -> list[str]:
        return [grant.stale for grant in self.grants if grant.stale is not None]

    @property
    def doubts(self) -> list[str]:
        """Everything that keeps a "not granted" from being certain."""
        return [*self.unresolved, *self.stale_groups]

    def has(self, field: str) -> bool | None:
        """True when an up-to-date source grants it; None when not seen but part of the
        permissions was unreadable or comes from a group being recalculated."""
        if self.sources_of(field):
            return True
        return None if self.doubts else False

    def permission_set_names(self) -> set[str]:
        return {
            name
            for grant in self.grants
            if grant.record is not self.profile
            for name in grant.names
        }


class EffectivePermissions:
    """Built once per scan from Profile, PermissionSet(-Group) and PermissionSetAssignment.

    ``missing`` maps each of those sources that could not be read to why: every user whose
    permissions would come from it is unresolved, naming it.
    """

    def __init__(
        self,
        profiles: list[Record],
        permission_sets: list[Record],
        assignments: list[Record],
        groups: list[Record],
        now: datetime,
        missing: dict[str, str] | None = None,
    ) -> None:
        self._now = now
        self._missing = dict(missing or {})
        self._profiles = {id_key(p.get("Id")): p for p in profiles}
        self._sets = {id_key(ps.get("Id")): ps for ps in permission_sets}
        self._aggregate_by_group = {
            id_key(ps.get("PermissionSetGroupId")): ps
            for ps in permission_sets
            if as_text(ps.get("PermissionSetGroupId"))
        }
        self._groups = {id_key(g.get("Id")): g for g in groups}
        self._assignments: dict[str, list[Record]] = {}
        for row in assignments:
            self._assignments.setdefault(record_id_key(row.get("AssigneeId")), []).append(row)
        # Assignments that name no readable user may be anyone's.
        unattributed = len(self._assignments.pop("", []))
        self._unattributed = (
            f"{unattributed} permission set assignment(s) have no readable AssigneeId"
            if unattributed
            else None
        )
        self._cache: dict[str, UserPermissions] = {}

    def profile(self, profile_id: str) -> Record | None:
        return self._profiles.get(id_key(profile_id))

    def of(self, user: Record) -> UserPermissions:
        user_id = id_key(user.get("Id"))
        if user_id not in self._cache:
            self._cache[user_id] = self._resolve(user, user_id)
        return self._cache[user_id]

    def _missing_note(self, key: str) -> str | None:
        reason = self._missing.get(key)
        return None if reason is None else f"{key} could not be read ({reason})"

    def _resolve(self, user: Record, user_id: str) -> UserPermissions:
        unresolved: list[str] = []
        grants: list[Grant] = []
        profile = self._profiles.get(id_key(user.get("ProfileId")))
        if profile is not None:
            name = as_text(profile.get("Name"))
            grants.append(Grant(f"profile '{name}'", profile, frozenset({name})))
        else:
            why = self._missing_note(PROFILE)
            unresolved.append(why or f"profile {user.get('ProfileId')!r} is not in the snapshot")
        for why in (self._missing_note(ASSIGNMENT), self._unattributed):
            if why is not None:
                unresolved.append(why)
        for row in self._assignments.get(user_id, []):
            problem, grant = self._assignment(row)
            if problem is not None:
                unresolved.append(problem)
            if grant is not None:
                grants.append(grant)
        return UserPermissions(profile, tuple(grants), tuple(dict.fromkeys(unresolved)))

    def _assignment(self, row: Record) -> tuple[str | None, Grant | None]:
        """(why it cannot be resolved, its grant) for one assignment; (None, None) when it
        does not count (inactive, revoked or expired)."""
        for flag in ("IsActive", "IsRevoked"):
            value = row.get(flag)
            if value is not None and as_bool(value) is None:
                return f"assignment {row.get('Id')!r} has unreadable {flag} {value!r}", None
        if as_bool(row.get("IsActive")) is False or as_bool(row.get("IsRevoked")) is True:
            return None, None
        expiry = self._expiry_problem(row)
        if expiry != "":
            return expiry, None
        grant = self._grant_of(row)
        if grant is None:
            why = self._missing_note(PERMISSION_SET)
            return (
                why or f"permission set of assignment {row.get('Id')!r} is not in the snapshot",
                None,
            )
        return None, grant

    def _expiry_problem(self, row: Record) -> str | None:
        """ "" when the assignment is live; None when expired; else why it is uncertain."""
        expires_raw = row.get("ExpirationDate")
        if expires_raw in (None, ""):
            return ""
        bounds = expiry_bounds(expires_raw)
        if bounds is None:
            return f"assignment {row.get('Id')!r} has unreadable ExpirationDate"
        earliest, latest = bounds
        if latest <= self._now:
            return None  # expired whatever the org's time zone
        if earliest <= self._now:
            return (
                f"assignment {row.get('Id')!r} expires on {expires_raw!r}, which may have "
                "passed in the org's time zone"
            )
        return ""

    def _grant_of(self, assignment: Record) -> Grant | None:
        group_id = id_key(assignment.get("PermissionSetGroupId"))
        ps = self._aggregate_by_group.get(group_id) if group_id else None
        if ps is None:
            ps = self._sets.get(id_key(assignment.get("PermissionSetId")))
        if ps is None:
            return None
        names = {as_text(ps.get("Name")), as_text(ps.get("Label"))} - {""}
        if as_bool(ps.get("IsOwnedByProfile")) is True:
            owner = self._profiles.get(id_key(ps.get("ProfileId")))
            name = as_text(owner.get("Name")) if owner else as_text(ps.get("Name"))
            return Grant(f"profile '{name}'", ps, frozenset())
        # The assignment or the set naming a group makes this a group's aggregate set: whose
        # status decides whether its permissions can be trusted.
        aggregate_of = group_id or id_key(ps.get("PermissionSetGroupId"))
        if aggregate_of:
            return self._group_grant(ps, aggregate_of, names)
        return Grant(f"permission set '{as_text(ps.get('Name'))}'", ps, frozenset(names))

    def _group_grant(self, ps: Record, group_id: str, names: set[str]) -> Grant:
        group = self._groups.get(group_id)
        label = as_text(ps.get("Name"))
        if group is None:
            why = self._missing_note(GROUP) or "it is not in the snapshot"
            unknown = f"the Status of permission set group '{label}' is unknown: {why}"
            return Grant(f"permission set group '{label}'", ps, frozenset(names), unknown)
        label = as_text(group.get("DeveloperName")) or label
        names |= {as_text(group.get("DeveloperName")), as_text(group.get("MasterLabel"))}
        status = as_text(group.get("Status"))
        stale: str | None = None
        if status.casefold() != GROUP_UPDATED:
            stale = (
                f"permission set group '{label}' has Status {status or 'unknown'!r}, so its "
                "aggregate permissions may be stale"
            )
        return Grant(f"permission set group '{label}'", ps, frozenset(names - {""}), stale)
