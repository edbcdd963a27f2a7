"""A synthetic org of any size, in the snapshot format, for benchmarks (deterministic)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

CAPTURED_AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _id(prefix: str, n: int) -> str:
    return f"{prefix}{n:012d}AAA"


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def synthetic_snapshot(users: int, logins: int, *, aggregated: bool = False) -> dict[str, Any]:
    """``users`` users (5% integration users), ``logins`` login rows over 30 days.

    With ``aggregated`` the rows are grouped per (user, type, status, ip) the way the collector
    stores them, which is what a live scan of a large org produces.
    """
    rng = random.Random(users * 7919 + logins)
    licenses = [
        {"Id": _id("100", 1), "Name": "Salesforce"},
        {"Id": _id("100", 2), "Name": "Salesforce Integration"},
    ]
    profiles = []
    for i in range(20):
        profiles.append(
            {
                "Id": _id("00e", i),
                "Name": "Minimum Access - API Only Integrations" if i == 0 else f"Profile {i}",
                "UserLicenseId": licenses[1 if i == 0 else 0]["Id"],
                "PermissionsApiUserOnly": i in (0, 1),
                "PermissionsModifyAllData": i == 19,
                "PermissionsViewAllData": i in (18, 19),
                "PermissionsManageUsers": i == 19,
                "PermissionsAuthorApex": i == 19,
                "PermissionsCustomizeApplication": i == 19,
            }
        )
    ranges = [
        {
            "Id": _id("0Ji", i),
            "ProfileId": profiles[i]["Id"],
            "StartAddress": "203.0.113.0",
            "EndAddress": "203.0.113.255",
            "Description": "office",
        }
        for i in range(0, 20, 2)
    ]
    perm_sets = [
        {
            "Id": _id("0PS", i),
            "Name": f"PS_{i}",
            "Label": f"Permission set {i}",
            "IsOwnedByProfile": False,
            "ProfileId": None,
            "PermissionSetGroupId": None,
            "Type": "Regular",
            "PermissionsApiUserOnly": i == 0,
            "PermissionsModifyAllData": i == 1,
            "PermissionsViewAllData": False,
            "PermissionsManageUsers": False,
            "PermissionsAuthorApex": False,
            "PermissionsCustomizeApplication": False,
        }
        for i in range(50)
    ]
    user_rows, assignments = [], []
    for u in range(users):
        integration = u % 20 == 0
        profile = profiles[0] if integration and u % 40 == 0 else profiles[1 + u % 19]
        user_rows.append(
            {
                "Id": _id("005", u),
                "Username": f"{'int' if integration else 'user'}{u}@bench.example.com",
                "Name": f"User {u}",
                "IsActive": u % 50 != 7,
                "UserType": "Standard",
                "ProfileId": profile["Id"],
                "LastLoginDate": None,
            }
        )
        for k in range(2):
            assignments.append(
                {
                    "Id": _id("0Pa", u * 2 + k),
                    "AssigneeId": _id("005", u),
                    "PermissionSetId": perm_sets[rng.randrange(len(perm_sets))]["Id"],
                    "PermissionSetGroupId": None,
                    "IsActive": True,
                    "ExpirationDate": None,
                }
            )
    ips = [f"203.0.113.{i}" for i in range(1, 40)] + [f"185.220.101.{i}" for i in range(1, 10)]
    login_rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str, str], list[Any]] = {}
    for n in range(logins):
        u = rng.randrange(users)
        integration = u % 20 == 0
        when = CAPTURED_AT - timedelta(seconds=rng.randrange(30 * 86400))
        row = {
            "Id": _id("0Ya", n),
            "UserId": _id("005", u),
            "LoginTime": _ts(when),
            "LoginType": "Remote Access 2.0" if integration else "Application",
            "Status": "Success" if rng.random() > 0.02 else "Invalid Password",
            "SourceIp": rng.choice(ips),
            "Application": "ETL" if integration else "Browser",
        }
        if aggregated:
            key = (row["UserId"], row["LoginType"], row["Status"], row["SourceIp"])
            g = groups.setdefault(key, [0, row["LoginTime"], row["Application"]])
            g[0] += 1
            g[1] = max(g[1], row["LoginTime"])
        else:
            login_rows.append(row)
    if aggregated:
        login_rows = [
            {
                "UserId": k[0],
                "LoginType": k[1],
                "Status": k[2],
                "SourceIp": k[3],
                "Application": g[2],
                "count": g[0],
                "LoginTime": g[1],
            }
            for k, g in groups.items()
        ]
    apps = [
        {
            "fullName": f"App_{i}",
            "label": f"App {i}",
            "oauthConfig": {"isAdminApproved": i % 2 == 0, "callbackUrl": "https://x.example.com"},
            "oauthPolicy": {"ipRelaxation": ["ENFORCE", "BYPASS", "BYPASS_2FACTOR"][i % 3]},
        }
        for i in range(30)
    ]
    return {
        "schema": "sfscan-snapshot/1",
        "captured_at": CAPTURED_AT.isoformat().replace("+00:00", "Z"),
        "org": {"Id": "00D000000000BENCH", "Name": "Bench Org", "IsSandbox": False},
        "sobjects": {
            "User": user_rows,
            "Profile": profiles,
            "UserLicense": licenses,
            "PermissionSet": perm_sets,
            "PermissionSetGroup": [],
            "PermissionSetAssignment": assignments,
            "LoginIpRange": ranges,
            "ConnectedApplication": [
                {
                    "Id": _id("0H4", i),
                    "Name": f"App {i}",
                    "OptionsAllowAdminApprovedUsersOnly": i % 2 == 0,
                }
                for i in range(30)
            ],
            "LoginHistory": login_rows,
            "OauthToken": [],
        },
        "tooling": {"SecurityHealthCheck": [], "SecurityHealthCheckRisks": []},
        "metadata": {
            "ConnectedApp": apps,
            "ExternalClientApplication": [],
            "ExtlClntAppOauthConfigurablePolicies": [],
            "SecuritySettings": [
                {"fullName": "Security", "sessionSettings": {"enforceIpRangesEveryRequest": True}}
            ],
        },
        "unavailable": {},
    }
