"""The simulated org's data: the snapshot's records plus admin changes made while it runs.

Thread-safe: the HTTP server answers from several threads while a test or a separate process
changes the org through the admin calls.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import threading
from pathlib import Path
from typing import Any

from sfscan.collect import facts
from sfscan.domain.snapshot import Snapshot, load_snapshot, parse_snapshot

from orgsim.access import Caller, effective_permissions, full_scanner
from orgsim.soql import SoqlError
from orgsim.soql_eval import ObjectData, synthetic_id

Record = dict[str, Any]

# Fields an object knows even when the snapshot holds none of its records: sfscan's fact table.
DOCUMENTED_FIELDS: dict[str, tuple[str, ...]] = {
    src.name: tuple(f for f in src.field_names if f != "Id")
    for src in facts.SOURCES
    if src.api != "metadata"
    and src.key not in ("sobject:Organization", "sobject:UserPermissionAccess")
}
ID_PREFIXES = {
    "User": "005", "Profile": "00e", "UserLicense": "100", "PermissionSet": "0PS",
    "PermissionSetGroup": "0PG", "PermissionSetAssignment": "0Pa", "LoginIpRange": "0Ls",
    "ConnectedApplication": "0H4", "LoginHistory": "0Ya", "OauthToken": "0CQ",
}  # fmt: skip
WEIGHTED_OBJECTS = frozenset({"LoginHistory"})  # rows with ``count`` stand for that many logins
_ERROR_CODE = re.compile(r"^([A-Z][A-Z_]+):\s*(.*)$", re.DOTALL)


class AdminError(ValueError):
    """An admin change that cannot apply (unknown app, user, permission set, bad IP)."""


def load_any(snapshot: Snapshot | dict[str, Any] | str | Path) -> Snapshot:
    if isinstance(snapshot, Snapshot):
        return snapshot
    if isinstance(snapshot, dict):
        return parse_snapshot(snapshot)
    return load_snapshot(snapshot)


def reason_error(reason: str) -> tuple[str, str]:
    """'INSUFFICIENT_ACCESS: why' -> (code, 'why'); a reason without a code: INSUFFICIENT_ACCESS."""
    m = _ERROR_CODE.match(reason.strip())
    return (m.group(1), m.group(2) or reason) if m else ("INSUFFICIENT_ACCESS", reason)


class OrgStore:
    def __init__(self, snapshot: Snapshot) -> None:
        data = snapshot.to_json_dict()  # a deep copy: admin changes never touch the caller's
        self._lock = threading.RLock()
        self.captured_at = snapshot.captured_at
        self.org: Record = data["org"]
        self._sections: dict[str, dict[str, list[Record]]] = {
            "sobject": data["sobjects"],
            "tooling": data["tooling"],
        }
        # Salesforce always has the Organization object; serve it from the snapshot's org.
        data["sobjects"].setdefault("Organization", [dict(self.org)])
        self._metadata: dict[str, list[Record]] = data["metadata"]
        self.unavailable: dict[str, str] = data["unavailable"]
        self._added = 0
        # Built once per object and kept until an admin change: a query never copies the rows.
        self._object_data: dict[tuple[str, str], ObjectData] = {}

    # -- objects (SOQL) --------------------------------------------------------------------

    def resolve_object(self, section: str, name: str) -> str:
        """Canonical object name, or the SoqlError the org answers for it."""
        with self._lock:
            objects = self._sections[section]
            by_fold = {n.casefold(): n for n in objects}
            by_fold.update(
                {
                    k.partition(":")[2].casefold(): k.partition(":")[2]
                    for k in self._unavailable_of(section)
                }
            )
            canonical = by_fold.get(name.casefold())
            if canonical is None:
                raise SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
            reason = self.unavailable.get(f"{section}:{canonical}")
            if reason is not None:
                code, message = reason_error(reason)
                raise SoqlError(code, message)
            return canonical

    def _unavailable_of(self, section: str) -> list[str]:
        return [k for k in self.unavailable if k.startswith(section + ":") and k.count(":") == 1]

    def fields_of(self, section: str, name: str) -> tuple[str, ...]:
        with self._lock:
            names: dict[str, None] = {"Id": None}
            names.update(dict.fromkeys(DOCUMENTED_FIELDS.get(name, ())))
            for rec in self._sections[section].get(name, []):
                names.update(dict.fromkeys(rec))
            names.pop("attributes", None)
            if name in WEIGHTED_OBJECTS:
                names.pop("count", None)
            return tuple(names)

    def object_data(self, section: str, name: str) -> ObjectData:
        with self._lock:
            found = self._object_data.get((section, name))
            if found is None:
                found = self._object_data[(section, name)] = self._build_object_data(section, name)
            return found

    def _build_object_data(self, section: str, name: str) -> ObjectData:
        prefix = ID_PREFIXES.get(name, "000")
        with self._lock:
            rows: list[tuple[Record, int]] = []
            for index, rec in enumerate(self._sections[section].get(name, [])):
                weight = 1
                if name in WEIGHTED_OBJECTS and "count" in rec:
                    weight = _weight(rec["count"])
                    rec = {k: v for k, v in rec.items() if k != "count"}
                elif not rec.get("Id"):
                    rec = {**rec, "Id": synthetic_id(prefix, index)}
                rows.append((rec, weight))
            return ObjectData(name, self.fields_of(section, name), tuple(rows), prefix)

    def records(self, section: str, name: str) -> list[Record]:
        with self._lock:
            return copy.deepcopy(self._sections[section].get(name, []))

    # -- metadata ----------------------------------------------------------------------------

    def metadata_refusal(self, metadata_type: str) -> tuple[str, str] | None:
        reason = self.unavailable.get(f"metadata:{metadata_type}")
        return None if reason is None else reason_error(reason)

    def metadata_names(self, metadata_type: str) -> list[str]:
        """Names listMetadata reports: readable records plus items the snapshot could not read."""
        with self._lock:
            names = [
                r["fullName"] for r in self._metadata.get(metadata_type, []) if "fullName" in r
            ]
            prefix = f"metadata:{metadata_type}:"
            names += [k[len(prefix) :] for k in self.unavailable if k.startswith(prefix)]
            return list(dict.fromkeys(names))

    def metadata_record(self, metadata_type: str, full_name: str) -> Record | None:
        if f"metadata:{metadata_type}:{full_name}" in self.unavailable:
            return None
        with self._lock:
            for rec in self._metadata.get(metadata_type, []):
                if rec.get("fullName") == full_name:
                    return copy.deepcopy(rec)
        return None

    # -- users ---------------------------------------------------------------------------------

    def user_by_username(self, username: str) -> Record | None:
        with self._lock:
            for user in self._sections["sobject"].get("User", []):
                if str(user.get("Username", "")).casefold() == username.casefold():
                    return dict(user)
        return None

    def api_username(self) -> str:
        """An active user allowed to use the API: API Only first, else an active Standard user."""
        with self._lock:
            sob = self._sections["sobject"]
            users = [u for u in sob.get("User", []) if u.get("IsActive") and u.get("Username")]
            api_profiles = {
                p["Id"] for p in sob.get("Profile", []) if p.get("PermissionsApiUserOnly")
            }
            api_sets = {
                p["Id"] for p in sob.get("PermissionSet", []) if p.get("PermissionsApiUserOnly")
            }
            api_assignees = {
                a.get("AssigneeId")
                for a in sob.get("PermissionSetAssignment", [])
                if a.get("PermissionSetId") in api_sets and a.get("IsActive", True) is not False
            }
            for user in users:
                if user.get("ProfileId") in api_profiles or user.get("Id") in api_assignees:
                    return str(user["Username"])
            for user in users:
                if user.get("UserType", "Standard") == "Standard":
                    return str(user["Username"])
            if users:
                return str(users[0]["Username"])
        raise AdminError("the snapshot has no active User with a Username to log in as")

    def caller(self, username: str, *, full: bool = False) -> Caller:
        """The user as the org sees it for access decisions (orgsim/access.py)."""
        with self._lock:
            user = self.user_by_username(username) or {}
            held = effective_permissions(self._sections["sobject"], user, self.captured_at)
        zone = user.get("TimeZoneSidKey")
        return Caller(
            user_id=str(user.get("Id", "")),
            username=username,
            permissions=full_scanner(held) if full else held,
            time_zone=str(zone) if zone else None,
        )

    # -- admin changes ---------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        self._added += 1
        return synthetic_id(prefix, 9_000_000 + self._added)

    def set_ip_relaxation(self, app_full_name: str, value: str) -> None:
        with self._lock:
            for app in self._metadata.get("ConnectedApp", []):
                if app.get("fullName") == app_full_name:
                    policy = app.get("oauthPolicy") or {}
                    app["oauthPolicy"] = {**policy, "ipRelaxation": value}
                    return
            for pol in self._metadata.get("ExtlClntAppOauthConfigurablePolicies", []):
                if app_full_name in (pol.get("fullName"), pol.get("externalClientApplication")):
                    pol["ipRelaxationPolicyType"] = value
                    return
        raise AdminError(f"no ConnectedApp or external client app policy named {app_full_name!r}")

    def add_permission_set_assignment(self, assignee_id: str, permission_set_id: str) -> str:
        with self._lock:
            sob = self._sections["sobject"]
            if not any(u.get("Id") == assignee_id for u in sob.get("User", [])):
                raise AdminError(f"no User with Id {assignee_id!r}")
            group_id = None
            if any(g.get("Id") == permission_set_id for g in sob.get("PermissionSetGroup", [])):
                group_id = permission_set_id
                aggregate = [
                    p
                    for p in sob.get("PermissionSet", [])
                    if p.get("PermissionSetGroupId") == group_id
                ]
                permission_set_id = aggregate[0]["Id"] if aggregate else permission_set_id
            elif not any(p.get("Id") == permission_set_id for p in sob.get("PermissionSet", [])):
                raise AdminError(
                    f"no PermissionSet or PermissionSetGroup with Id {permission_set_id!r}"
                )
            self._object_data.clear()
            new_id = self._new_id("0Pa")
            sob.setdefault("PermissionSetAssignment", []).append(
                {
                    "Id": new_id,
                    "AssigneeId": assignee_id,
                    "PermissionSetId": permission_set_id,
                    "PermissionSetGroupId": group_id,
                    "IsActive": True,
                    "ExpirationDate": None,
                }
            )
            return new_id

    def add_login_ip_range(
        self, profile_id: str, start: str, end: str, description: str = ""
    ) -> str:
        try:
            first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
        except ValueError as exc:
            raise AdminError(f"not an IP address: {exc}") from None
        if first.version != last.version or int(first) > int(last):
            raise AdminError(f"{start}..{end} is not an ascending range of one IP version")
        with self._lock:
            sob = self._sections["sobject"]
            if not any(p.get("Id") == profile_id for p in sob.get("Profile", [])):
                raise AdminError(f"no Profile with Id {profile_id!r}")
            self._object_data.clear()
            new_id = self._new_id("0Ls")
            sob.setdefault("LoginIpRange", []).append(
                {
                    "Id": new_id,
                    "ProfileId": profile_id,
                    "StartAddress": start,
                    "EndAddress": end,
                    "Description": description,
                }
            )
            return new_id

    def set_session_setting(self, name: str, value: bool) -> None:
        with self._lock:
            settings = self._metadata.setdefault("SecuritySettings", [])
            security = next((s for s in settings if s.get("fullName") == "Security"), None)
            if security is None:
                security = {"fullName": "Security"}
                settings.append(security)
            security["sessionSettings"] = {**(security.get("sessionSettings") or {}), name: value}


def _weight(count: Any) -> int:
    try:
        return max(int(count), 0)
    except (TypeError, ValueError):
        return 1  # an unreadable count still stands for at least the row itself
