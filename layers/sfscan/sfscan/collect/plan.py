"""Which queries a scan runs: the fields of the fact table (facts.py), nothing more.

Flat SOQL only (lookups as ``...Id``): relationship queries cost more per row and their shape
varies with the caller's access. Every value that reaches SOQL goes through ``format_soql``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from simple_salesforce.format import format_soql

from sfscan.collect import facts
from sfscan.domain.settings import DEFAULT_EXCESSIVE_PERMISSIONS
from sfscan.domain.snapshot_checks import KEYED_SOBJECTS

ORGANIZATION_FIELDS = facts.source("sobject:Organization").field_names

# sObjects read with a plain SELECT, and their fields, from the fact table: the Id-keyed records
# the snapshot checks (LoginHistory and OauthToken have no usable Id and are read their own way).
SOBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    name: facts.source(f"sobject:{name}").field_names for name in KEYED_SOBJECTS
}
# Objects whose Permissions<Name> columns for excessive_permissions are added after describe.
PERMISSION_OBJECTS = ("Profile", "PermissionSet")

LOGIN_HISTORY_RAW_FIELDS = facts.source("sobject:LoginHistory").field_names
LOGIN_HISTORY_GROUP_FIELDS = ("UserId", "LoginType", "Status", "SourceIp", "Application")

OAUTH_TOKEN_FIELDS = facts.source("sobject:OauthToken").field_names
OAUTH_TOKEN_CAP = facts.OAUTH_TOKEN_CAP  # OauthToken stops returning rows after 2,500

TOOLING_FIELDS: dict[str, tuple[str, ...]] = {
    s.name: s.field_names for s in facts.SOURCES if s.api == "tooling"
}

LISTED_METADATA_TYPES = (
    "ConnectedApp",
    "ExternalClientApplication",
    "ExtlClntAppOauthConfigurablePolicies",
)
SECURITY_SETTINGS = ("SecuritySettings", "Security")


def select(fields: Iterable[str], sobject: str) -> str:
    # Field and object names come from the constants above (or describe), never from input.
    return f"SELECT {', '.join(fields)} FROM {sobject}"  # noqa: S608 - constant names only


def permission_fields(
    excessive_permissions: Iterable[str] = DEFAULT_EXCESSIVE_PERMISSIONS,
    described: set[str] | None = None,
) -> tuple[str, ...]:
    """``Permissions<Name>`` columns to select: those the org describes, or all when describe
    failed (then an unknown one fails the query with INVALID_FIELD, which is recorded)."""
    wanted = [f"Permissions{name}" for name in excessive_permissions]
    if described is None:
        return tuple(dict.fromkeys(wanted))
    return tuple(dict.fromkeys(f for f in wanted if f in described))


@dataclass(frozen=True)
class FieldPlan:
    """The fields to select from one object, given the org's describe."""

    select: tuple[str, ...]
    missing_required: tuple[str, ...] = ()  # the source cannot be judged without them
    missing_optional: tuple[str, ...] = ()  # left out of the query; a named gap


def plan_fields(key: str, described: set[str] | None) -> FieldPlan:
    """Fields of ``key`` that the org describes. ``described`` None: describe failed, so
    every field is asked for (the org's error then names the one it does not know)."""
    wanted = facts.source(key).fields
    if described is None:
        return FieldPlan(tuple(f.name for f in wanted))
    known = {name.casefold() for name in described}
    present = tuple(f.name for f in wanted if f.name.casefold() in known)
    missing = [f for f in wanted if f.name.casefold() not in known]
    return FieldPlan(
        present,
        tuple(f.name for f in missing if f.required),
        tuple(f.name for f in missing if not f.required),
    )


def sobject_query(
    sobject: str, extra_fields: Iterable[str] = (), fields: Iterable[str] = ()
) -> str:
    base = tuple(fields) or SOBJECT_FIELDS[sobject]
    return select(list(dict.fromkeys([*base, *extra_fields])), sobject)


def utc_literal(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def login_history_window_filter(start: datetime, end: datetime) -> str:
    return format_soql(
        "LoginTime > {start} AND LoginTime <= {end}",
        start=utc_literal(start),
        end=utc_literal(end),
    )


def login_history_raw_query(start: datetime, end: datetime) -> str:
    return (
        f"{select(LOGIN_HISTORY_RAW_FIELDS, 'LoginHistory')} "
        f"WHERE {login_history_window_filter(start, end)}"
    )


def login_history_aggregate_query(start: datetime, end: datetime) -> str:
    # "last" is a reserved SOQL keyword (NULLS LAST), hence the alias lastLogin.
    groups = ", ".join(LOGIN_HISTORY_GROUP_FIELDS)
    return (
        f"SELECT {groups}, COUNT(Id) n, MAX(LoginTime) lastLogin FROM LoginHistory "  # noqa: S608
        f"WHERE {login_history_window_filter(start, end)} GROUP BY {groups}"
    )


def oauth_token_count_query() -> str:
    return "SELECT COUNT() FROM OauthToken"


def oauth_token_query() -> str:
    return select(OAUTH_TOKEN_FIELDS, "OauthToken")


def tooling_query(name: str) -> str:
    return select(TOOLING_FIELDS[name], name)


def organization_query() -> str:
    return select(ORGANIZATION_FIELDS, "Organization")
