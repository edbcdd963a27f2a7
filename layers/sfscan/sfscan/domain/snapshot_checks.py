"""What a snapshot file must hold for the rules to read it, beyond its envelope.

A record the rules cannot read must not quietly drop out of the evaluation: a User without an
``Id`` or with ``IsActive: "yes"`` made 22 FAILED findings disappear, a duplicate Profile ``Id``
gave two false PASSes. Those records are refused here (exit 2), each with its JSON path:

- every record of an object the rules join by ``Id`` has a Salesforce Id (15 or 18 letters and
  digits), unique within the object (the 15- and 18-character forms of one Id are the same);
- a field the rules read as a boolean holds ``true``/``false`` (or the Metadata API's
  ``"true"``/``"false"`` text), never another value;
- a metadata field the rules read as an object holds an object (``oauthPolicy`` given as the
  text ``"BYPASS"`` is refused, not read as "no policy").

A field that is absent or null stays allowed: the rules treat it as unknown (NOT_AVAILABLE).
The checks apply to snapshot files (``load_snapshot``); in-memory snapshots built by tests and by
the collector are judged by the rules as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sfscan.domain.errors import InputError

MAX_LISTED = 20
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")

# sObjects whose records are joined by Id (LoginHistory groups and OauthToken rows have none);
# the collector reads exactly these with a plain SELECT (collect/plan.py).
KEYED_SOBJECTS = (
    "User",
    "Profile",
    "UserLicense",
    "PermissionSet",
    "PermissionSetGroup",
    "PermissionSetAssignment",
    "LoginIpRange",
    "ConnectedApplication",
)
BOOLEAN_FIELDS: dict[str, tuple[str, ...]] = {
    "User": ("IsActive",),
    "PermissionSet": ("IsOwnedByProfile",),
    "PermissionSetAssignment": ("IsActive", "IsRevoked"),
    "ConnectedApplication": ("OptionsAllowAdminApprovedUsersOnly",),
}
# Profile and PermissionSet: every Permissions<Name> column is a boolean.
PERMISSION_COLUMNS = ("Profile", "PermissionSet")
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "ConnectedApp": ("oauthConfig", "oauthPolicy"),
    "SecuritySettings": ("sessionSettings", "networkAccess"),
}


def _is_bool(value: Any) -> bool:
    """A boolean, its Metadata API text, or null (unknown: the rules say NOT_AVAILABLE)."""
    return (
        value is None
        or isinstance(value, bool)
        or (isinstance(value, str) and value.strip().casefold() in ("true", "false"))
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), "a number"
    )


def _id_problems(name: str, rows: list[dict[str, Any]]) -> Iterator[str]:
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        value = row.get("Id")
        if value is None:
            yield f"sobjects.{name}.{i}.Id: missing; every {name} record needs its Id"
            continue
        if not isinstance(value, str) or not _ID.fullmatch(value.strip()):
            yield f"sobjects.{name}.{i}.Id: not a Salesforce Id (15 or 18 letters and digits)"
            continue
        key = value.strip()[:15]
        if key in seen:
            yield f"sobjects.{name}.{i}.Id: the same Id as sobjects.{name}.{seen[key]}"
        else:
            seen[key] = i


def _boolean_problems(name: str, rows: list[dict[str, Any]]) -> Iterator[str]:
    fields = BOOLEAN_FIELDS.get(name, ())
    columns = name in PERMISSION_COLUMNS
    for i, row in enumerate(rows):
        for field, value in row.items():
            wanted = field in fields or (columns and field.startswith("Permissions"))
            if wanted and not _is_bool(value):
                yield f"sobjects.{name}.{i}.{field}: must be true or false, not {_kind(value)}"


def _metadata_problems(name: str, rows: list[dict[str, Any]]) -> Iterator[str]:
    for i, row in enumerate(rows):
        for field in OBJECT_FIELDS.get(name, ()):
            value = row.get(field)
            if value not in (None, "") and not isinstance(value, dict):  # "": an empty element
                yield f"metadata.{name}.{i}.{field}: must be an object, not {_kind(value)}"


def record_problems(
    sobjects: dict[str, list[dict[str, Any]]], metadata: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """Every problem, as ``<json path>: <what is wrong>``."""
    problems: list[str] = []
    for name, rows in sobjects.items():
        if name in KEYED_SOBJECTS:
            problems.extend(_id_problems(name, rows))
        problems.extend(_boolean_problems(name, rows))
    for name, rows in metadata.items():
        problems.extend(_metadata_problems(name, rows))
    return problems


def check_records(
    sobjects: dict[str, list[dict[str, Any]]],
    metadata: dict[str, list[dict[str, Any]]],
    source: str,
) -> None:
    """Refuse (InputError) a snapshot holding records the rules cannot read."""
    problems = record_problems(sobjects, metadata)
    if not problems:
        return
    shown = [f"{source}: {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        shown.append(f"{source}: ... and {len(problems) - MAX_LISTED} more")
    raise InputError(
        f"{source} holds records the rules cannot read, nothing was scanned:\n" + "\n".join(shown)
    )
