"""What the logged-in user may read, decided from the snapshot as the org decides it.

The caller's effective permissions come from its profile and its permission-set assignments
(plain sets, profile-owned sets, permission-set groups' aggregate sets) that are active, not
revoked and not expired. The table of which source needs which permission, and what the org does
without it, is sfscan's fact table (``sfscan.collect.facts``):

- an error for setup objects (View Setup and Configuration) and for the Metadata API (Modify
  Metadata or Modify All Data);
- silent narrowing to the caller's own rows for LoginHistory (Manage Users or Monitor Login
  History) and OauthToken (Customize Application).

A permission whose ``Permissions<Name>`` column appears in no Profile or PermissionSet record of
the snapshot cannot be decided from it and counts as held. The simulator's default user (no
``username`` given) is a fully provisioned scanner: it holds every permission sfscan needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sfscan.collect import facts

from orgsim.soql import SoqlError
from orgsim.soql_eval import ObjectData

Record = dict[str, Any]
USER_PERMISSION_ACCESS = "UserPermissionAccess"


@dataclass(frozen=True)
class Caller:
    user_id: str
    username: str
    permissions: frozenset[str]  # Permissions<Name> fields held
    time_zone: str | None = None  # User.TimeZoneSidKey, when the snapshot has it

    def holds_any(self, needs: tuple[facts.Permission, ...]) -> bool:
        return not needs or any(p.field in self.permissions for p in needs)


def same_id(a: Any, b: Any) -> bool:
    """15- and 18-character forms of one Id are the same record."""
    return bool(a) and bool(b) and str(a)[:15] == str(b)[:15]


def _expired(assignment: Record, now: datetime) -> bool:
    text = assignment.get("ExpirationDate")
    if not text:
        return False
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None and moment <= now


def _assigned_sets(sobjects: dict[str, list[Record]], user_id: str, now: datetime) -> set[str]:
    return {
        str(a.get("PermissionSetId"))[:15]
        for a in sobjects.get("PermissionSetAssignment", [])
        if same_id(a.get("AssigneeId"), user_id)
        and a.get("IsActive", True) is not False
        and a.get("IsRevoked") is not True
        and not _expired(a, now)
    }


def effective_permissions(
    sobjects: dict[str, list[Record]], user: Record, now: datetime
) -> frozenset[str]:
    """The Permissions<Name> fields the user holds (see the module docstring)."""
    grants: list[Record] = [
        p for p in sobjects.get("Profile", []) if same_id(p.get("Id"), user.get("ProfileId"))
    ]
    sets = _assigned_sets(sobjects, str(user.get("Id", "")), now)
    grants += [
        p
        for p in sobjects.get("PermissionSet", [])
        if str(p.get("Id"))[:15] in sets
        or (p.get("IsOwnedByProfile") and same_id(p.get("ProfileId"), user.get("ProfileId")))
    ]
    held = {k for g in grants for k, v in g.items() if k.startswith("Permissions") and v is True}
    columns = {
        k
        for name in ("Profile", "PermissionSet")
        for rec in sobjects.get(name, [])
        for k in rec
        if k.startswith("Permissions")
    }
    undecidable = {p.field for p in facts.SCANNER_PERMISSIONS if p.field not in columns}
    return frozenset(held | (undecidable - {facts.API_ONLY.field}))


def full_scanner(permissions: frozenset[str]) -> frozenset[str]:
    """A fully provisioned scanner: the permission set docs/collect.md recommends, plus its own."""
    return permissions | {p.field for p in facts.RECOMMENDED}


def permission_row(caller: Caller) -> Record:
    """The caller's one UserPermissionAccess row."""
    return {p.field: p.field in caller.permissions for p in facts.SCANNER_PERMISSIONS}


def _source(section: str, name: str) -> facts.Source | None:
    prefix = "tooling" if section == "tooling" else "sobject"
    return facts.BY_KEY.get(f"{prefix}:{name}")


def check_object(caller: Caller | None, section: str, name: str) -> None:
    """The error the org gives this caller for querying the object, if any."""
    src = _source(section, name)
    if caller is None or src is None or src.without != "error" or caller.holds_any(src.needs):
        return
    answer = facts.ANSWERS["no_setup_access"]
    raise SoqlError(answer.code, answer.message.format(name=name))


def metadata_refusal(caller: Caller | None) -> tuple[str, str] | None:
    src = facts.source("metadata:ConnectedApp")
    if caller is None or caller.holds_any(src.needs):
        return None
    answer = facts.ANSWERS["no_metadata_access"]
    return answer.code, answer.message


def narrow(data: ObjectData, caller: Caller | None, section: str) -> ObjectData:
    """Own rows only where the org narrows silently for a caller without the permission."""
    src = _source(section, data.name)
    if caller is None or src is None or src.without != "own rows" or caller.holds_any(src.needs):
        return data
    rows = tuple((r, w) for r, w in data.rows if same_id(r.get("UserId"), caller.user_id))
    return replace(data, rows=rows)


def hide_fields(data: ObjectData, hidden: frozenset[str]) -> ObjectData:
    """Leave out fields this org does not have (older API version, or a fault)."""
    if not hidden:
        return data
    gone = {h.casefold() for h in hidden}
    fields = tuple(f for f in data.fields if f.casefold() not in gone)
    rows = tuple(
        ({k: v for k, v in r.items() if k.casefold() not in gone}, w) for r, w in data.rows
    )
    return replace(data, fields=fields, rows=rows)


def hidden_fields(section: str, name: str, version: str, missing: frozenset[str]) -> frozenset[str]:
    """Fields of ``name`` absent at API ``version`` (fact table) or named by a fault."""
    src = _source(section, name)
    number = float(version)
    too_new = {f.name for f in (src.fields if src else ()) if f.min_api > number}
    faulted = {
        m.partition(".")[2] for m in missing if m.partition(".")[0].casefold() == name.casefold()
    }
    return frozenset(too_new | faulted)


def caller_now(captured_at: datetime, caller: Caller) -> datetime:
    """Relative dates (TODAY, LAST_N_DAYS) count in the caller's time zone, as in the org."""
    try:
        zone = ZoneInfo(caller.time_zone) if caller.time_zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return captured_at.astimezone(zone)
