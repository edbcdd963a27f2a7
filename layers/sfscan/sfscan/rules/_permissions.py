"""Effective permissions: what a user holds through its profile and effective assignments.

An assignment counts when it is active (``IsActive`` true or absent) and not expired
(``ExpirationDate`` empty or after the evaluation time). Its permission set is a plain set, a
profile-owned set, or a permission-set group's aggregate set: an assignment with
``PermissionSetGroupId`` points at the group, whose aggregate PermissionSet carries the same
``PermissionSetGroupId``; a ``PermissionSetId`` that points straight at the aggregate set works too.
Anything that cannot be resolved is reported as ``unresolved`` so a rule never passes on a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sfscan.domain.snapshot import Record
from sfscan.rules._values import as_bool, as_text, id_key, parse_time

API_ONLY_FIELD = "PermissionsApiUserOnly"
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


@dataclass(frozen=True)
class UserPermissions:
    profile: Record | None
    grants: tuple[Grant, ...]  # the profile first, then each effective assignment's set
    unresolved: tuple[str, ...]  # why some of the user's permissions could not be read

    def sources_of(self, field: str) -> list[str]:
        """Where ``field`` (e.g. ``PermissionsModifyAllData``) is granted, without repeats."""
        out: list[str] = []
        for grant in self.grants:
            if as_bool(grant.record.get(field)) is True and grant.source not in out:
                out.append(grant.source)
        return out

    def has(self, field: str) -> bool | None:
        """True when granted; None when not seen but part of the permissions was unreadable."""
        if self.sources_of(field):
            return True
        return None if self.unresolved else False

    def permission_set_names(self) -> set[str]:
        return {name for grant in self.grants[1:] for name in grant.names}


class EffectivePermissions:
    """Built once per scan from Profile, PermissionSet(-Group) and PermissionSetAssignment."""

    def __init__(
        self,
        profiles: list[Record],
        permission_sets: list[Record],
        assignments: list[Record],
        groups: list[Record],
        now: datetime,
    ) -> None:
        self._now = now
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
            self._assignments.setdefault(id_key(row.get("AssigneeId")), []).append(row)
        self._cache: dict[str, UserPermissions] = {}

    def profile(self, profile_id: str) -> Record | None:
        return self._profiles.get(id_key(profile_id))

    def of(self, user: Record) -> UserPermissions:
        user_id = id_key(user.get("Id"))
        if user_id not in self._cache:
            self._cache[user_id] = self._resolve(user, user_id)
        return self._cache[user_id]

    def _resolve(self, user: Record, user_id: str) -> UserPermissions:
        unresolved: list[str] = []
        grants: list[Grant] = []
        profile = self._profiles.get(id_key(user.get("ProfileId")))
        if profile is None:
            unresolved.append(f"profile {user.get('ProfileId')!r} is not in the snapshot")
        else:
            name = as_text(profile.get("Name"))
            grants.append(Grant(f"profile '{name}'", profile, frozenset({name})))
        for row in self._assignments.get(user_id, []):
            if as_bool(row.get("IsActive")) is False:
                continue
            expires_raw = row.get("ExpirationDate")
            if expires_raw not in (None, ""):
                bounds = expiry_bounds(expires_raw)
                if bounds is None:
                    unresolved.append(f"assignment {row.get('Id')!r} has unreadable ExpirationDate")
                    continue
                earliest, latest = bounds
                if latest <= self._now:
                    continue  # expired whatever the org's time zone
                if earliest <= self._now:
                    unresolved.append(
                        f"assignment {row.get('Id')!r} expires on {expires_raw!r}, which may have "
                        "passed in the org's time zone"
                    )
                    continue
            grant = self._grant_of(row)
            if grant is None:
                unresolved.append(
                    f"permission set of assignment {row.get('Id')!r} is not in the snapshot"
                )
            else:
                grants.append(grant)
        return UserPermissions(profile, tuple(grants), tuple(unresolved))

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
        aggregate_of = id_key(ps.get("PermissionSetGroupId"))
        if aggregate_of:
            group = self._groups.get(aggregate_of)
            label = as_text(ps.get("Name"))
            if group is not None:
                label = as_text(group.get("DeveloperName")) or label
                names |= {as_text(group.get("DeveloperName")), as_text(group.get("MasterLabel"))}
            return Grant(f"permission set group '{label}'", ps, frozenset(names - {""}))
        return Grant(f"permission set '{as_text(ps.get('Name'))}'", ps, frozenset(names))
