"""Which queries a scan runs: the fields of docs/snapshot-data.md, nothing more.

Flat SOQL only (lookups as ``...Id``): relationship queries cost more per row and their shape
varies with the caller's access. Every value that reaches SOQL goes through ``format_soql``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from simple_salesforce.format import format_soql

from sfscan.domain.settings import DEFAULT_EXCESSIVE_PERMISSIONS

ORGANIZATION_FIELDS = ("Id", "Name", "IsSandbox", "InstanceName")

# sObject -> fields, in the order docs/snapshot-data.md lists them.
SOBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "User": ("Id", "Username", "Name", "IsActive", "UserType", "ProfileId", "LastLoginDate"),
    "Profile": ("Id", "Name", "UserLicenseId", "PermissionsApiUserOnly"),
    "UserLicense": ("Id", "Name"),
    "PermissionSet": (
        "Id",
        "Name",
        "Label",
        "IsOwnedByProfile",
        "ProfileId",
        "PermissionSetGroupId",
        "Type",
        "PermissionsApiUserOnly",
    ),
    "PermissionSetGroup": ("Id", "DeveloperName", "MasterLabel", "Status"),
    "PermissionSetAssignment": (
        "Id",
        "AssigneeId",
        "PermissionSetId",
        "PermissionSetGroupId",
        "IsActive",
        "IsRevoked",  # v57+: revoked assignments stay as records (rules ignore them)
        "ExpirationDate",
    ),
    "LoginIpRange": ("Id", "ProfileId", "StartAddress", "EndAddress", "Description"),
    "ConnectedApplication": ("Id", "Name", "OptionsAllowAdminApprovedUsersOnly"),
}
# Objects whose Permissions<Name> columns for excessive_permissions are added after describe.
PERMISSION_OBJECTS = ("Profile", "PermissionSet")

LOGIN_HISTORY_RAW_FIELDS = (
    "Id",
    "UserId",
    "LoginTime",
    "LoginType",
    "Status",
    "SourceIp",
    "Application",
)
LOGIN_HISTORY_GROUP_FIELDS = ("UserId", "LoginType", "Status", "SourceIp", "Application")

OAUTH_TOKEN_FIELDS = ("AppName", "AppMenuItemId", "UserId", "LastUsedDate", "UseCount")
OAUTH_TOKEN_CAP = 2500  # OauthToken stops returning rows after 2,500 (query + queryMore)

TOOLING_FIELDS: dict[str, tuple[str, ...]] = {
    "SecurityHealthCheck": ("Score",),
    "SecurityHealthCheckRisks": (
        "RiskType",
        "Setting",
        "SettingGroup",
        "SettingRiskCategory",
        "OrgValue",
        "StandardValue",
    ),
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


def sobject_query(sobject: str, extra_fields: Iterable[str] = ()) -> str:
    fields = list(dict.fromkeys([*SOBJECT_FIELDS[sobject], *extra_fields]))
    return select(fields, sobject)


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
