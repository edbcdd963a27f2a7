"""Record builders for a simulated org: plain record dicts with the field names of the snapshot
format (docs/snapshot-data.md). Shared by the tests (tests/builders.py), the synthetic-org
generator (orgsim.generate) and the demo org's (orgsim/orgs/generate_demo.py); keyword arguments
override or add fields (``Id=...`` included).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

_ids = itertools.count(1)


def sf_id(prefix: str) -> str:
    """A fresh 18-character Salesforce-looking id with the given 3-character key prefix."""
    return f"{prefix}{next(_ids):012d}AAA"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def ago(**delta: float) -> str:
    """An API-style timestamp ``delta`` before NOW, e.g. ``ago(days=2)``."""
    return iso(NOW - timedelta(**delta))


# -- sobject records -----------------------------------------------------------------------------


def make_license(name: str = "Salesforce", **fields: Any) -> dict[str, Any]:
    return {"Id": sf_id("100"), "Name": name, **fields}


def make_profile(
    name: str = "Standard User",
    *,
    license: Mapping[str, Any] | None = None,
    api_only: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "Id": sf_id("00e"),
        "Name": name,
        "UserLicenseId": license["Id"] if license else None,
        "PermissionsApiUserOnly": api_only,
        **fields,
    }


def make_user(
    username: str,
    profile: Mapping[str, Any] | None = None,
    *,
    active: bool = True,
    user_type: str = "Standard",
    **fields: Any,
) -> dict[str, Any]:
    return {
        "Id": sf_id("005"),
        "Username": username,
        "Name": username.split("@")[0],
        "IsActive": active,
        "UserType": user_type,
        "ProfileId": profile["Id"] if profile else None,
        **fields,
    }


def make_permission_set(
    name: str, *, api_only: bool = False, group: Mapping[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """A plain permission set, or (with ``group``) that group's aggregate permission set."""
    return {
        "Id": sf_id("0PS"),
        "Name": name,
        "Label": name.replace("_", " "),
        "IsOwnedByProfile": False,
        "ProfileId": None,
        "PermissionSetGroupId": group["Id"] if group else None,
        "Type": "Group" if group else "Regular",
        "PermissionsApiUserOnly": api_only,
        **fields,
    }


def make_profile_permission_set(profile: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    return make_permission_set(
        f"X{profile['Id']}",
        IsOwnedByProfile=True,
        ProfileId=profile["Id"],
        Type="Profile",
        **fields,
    )


def make_permission_set_group(developer_name: str, **fields: Any) -> dict[str, Any]:
    return {
        "Id": sf_id("0PG"),
        "DeveloperName": developer_name,
        "MasterLabel": developer_name.replace("_", " "),
        "Status": "Updated",
        **fields,
    }


def make_assignment(
    user: Mapping[str, Any],
    permission_set: Mapping[str, Any] | None = None,
    *,
    group: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An assignment of a permission set, or (with ``group``) of a permission-set group."""
    return {
        "Id": sf_id("0Pa"),
        "AssigneeId": user["Id"],
        "PermissionSetId": permission_set["Id"] if permission_set else None,
        "PermissionSetGroupId": group["Id"] if group else None,
        "IsActive": True,
        "ExpirationDate": None,
        **fields,
    }


def make_ip_range(
    profile: Mapping[str, Any], start: str, end: str, **fields: Any
) -> dict[str, Any]:
    return {
        "Id": sf_id("0Ip"),
        "ProfileId": profile["Id"],
        "StartAddress": start,
        "EndAddress": end,
        "Description": None,
        **fields,
    }


def make_login(
    user: Mapping[str, Any],
    login_type: str = "Remote Access 2.0",
    source_ip: str = "203.0.113.10",
    *,
    when: str | None = None,
    status: str = "Success",
    count: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A raw LoginHistory row, or an aggregated one when ``count`` is given."""
    row: dict[str, Any] = {
        "UserId": user["Id"],
        "LoginTime": when or ago(days=1),
        "LoginType": login_type,
        "Status": status,
        "SourceIp": source_ip,
        "Application": "Browser" if login_type == "Application" else "Acme ETL",
        **fields,
    }
    if count is None:
        row["Id"] = sf_id("0Ya")
    else:
        row["count"] = count
    return row


def make_connected_application(
    name: str, admin_approved_only: bool | None = True, **fields: Any
) -> dict[str, Any]:
    return {
        "Id": sf_id("0H4"),
        "Name": name,
        "OptionsAllowAdminApprovedUsersOnly": admin_approved_only,
        **fields,
    }


def make_oauth_token(
    app_name: str | None,
    user: Mapping[str, Any] | None = None,
    *,
    last_used: str | None = None,
    use_count: int = 1,
    **fields: Any,
) -> dict[str, Any]:
    """An OauthToken row, with the fields the collector selects (never Id: a real org always
    returns it null, which the simulator does by itself)."""
    return {
        "AppName": app_name,
        "AppMenuItemId": None,
        "UserId": user["Id"] if user else None,
        "LastUsedDate": last_used or ago(days=1),
        "UseCount": use_count,
        **fields,
    }


# -- metadata records ----------------------------------------------------------------------------


_ABSENT: Any = object()


def make_connected_app(
    full_name: str,
    label: str | None = None,
    *,
    ip_relaxation: str | None = "ENFORCE",
    oauth: bool = True,
    admin_approved: bool | None = True,
    run_as: str | None = None,
    oauth_config: Mapping[str, Any] | None = None,
    oauth_policy: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """ConnectedApp metadata; ``oauth=False`` makes an app without oauthConfig.

    ``oauth_config`` and ``oauth_policy`` override or add fields of oauthConfig and oauthPolicy.
    """
    record: dict[str, Any] = {"fullName": full_name, "label": label or full_name, **fields}
    if oauth:
        config: dict[str, Any] = {"callbackUrl": "https://example.com/cb", "scopes": ["Api"]}
        if admin_approved is not None:
            config["isAdminApproved"] = admin_approved
        if run_as is not None:
            config["isClientCredentialEnabled"] = True
            config["oauthClientCredentialUser"] = run_as
        record["oauthConfig"] = {**config, **(oauth_config or {})}
        policy: dict[str, Any] = {"refreshTokenPolicy": "infinite"}
        if ip_relaxation is not None:
            policy["ipRelaxation"] = ip_relaxation
        record["oauthPolicy"] = {**policy, **(oauth_policy or {})}
    return record


def make_eca_policy(
    developer_name: str,
    *,
    ip_relaxation: str | None = "Enforce",
    permitted_users: str | None = "AdminApprovedPreAuthorized",
    run_as: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "fullName": f"{developer_name}_oauthPlcy",
        "externalClientApplication": developer_name,
        **fields,
    }
    if ip_relaxation is not None:
        record["ipRelaxationPolicyType"] = ip_relaxation
    if permitted_users is not None:
        record["permittedUsersPolicyType"] = permitted_users
    if run_as is not None:
        record["isClientCredentialsFlowEnabled"] = True
        record["clientCredentialsFlowUser"] = run_as
    return record


def make_eca(developer_name: str, label: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "fullName": developer_name,
        "label": label or developer_name,
        "distributionState": "Local",
        **fields,
    }


def make_security_settings(enforce_every_request: Any = _ABSENT, **fields: Any) -> dict[str, Any]:
    session: dict[str, Any] = {"lockSessionsToIp": False}
    if enforce_every_request is not _ABSENT:
        session["enforceIpRangesEveryRequest"] = enforce_every_request
    return {"fullName": "Security", "sessionSettings": session, **fields}
