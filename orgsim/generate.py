"""Synthetic orgs of any size, in the snapshot format, for benchmarks and load tests.

    python -m orgsim.generate --users 100000 --logins 1000000 --apps 500 --seed 1 --out big.json

Deterministic for a seed. The spreads follow what busy production orgs look like:

- about 2 % of users are integration users (the API-only integration profile, its licence);
  each logs in through OAuth ("Remote Access 2.0") from one to three fixed addresses and often;
- every other user logs in through the browser ("Application") from one to four addresses
  (office, home, phone), a few times a week;
- logins fall uniformly over the 30 days before ``captured_at``; about 2 % fail;
- a few percent are in violation: integration users calling from addresses outside the
  allowed networks (185.220.101.0/24), integration users with browser logins, connected apps
  whose IP relaxation is BYPASS / BYPASS_2FACTOR;
- the allowed networks for the benchmark settings are 203.0.113.0/24 and 198.51.100.0/24.

Records come from the same builders as the tests (orgsim.records), with explicit sequential Ids
(``005`` + 12 digits + ``AAA``), so the Id order is the creation order, as in a real org.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orgsim.records import (
    iso,
    make_assignment,
    make_connected_app,
    make_connected_application,
    make_ip_range,
    make_license,
    make_permission_set,
    make_profile,
    make_security_settings,
    make_user,
)

CAPTURED_AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
INTEGRATION_PROFILE = "Minimum Access - API Only Integrations"
ALLOWED_NETWORKS = ("203.0.113.0/24", "198.51.100.0/24")
INTEGRATION_SHARE = 0.02  # of users
INTEGRATION_LOGIN_SHARE = 0.3  # of logins: integrations call far more often than people log in
VIOLATION_SHARE = 0.05  # of integration users: calls from outside, or browser logins
FAILED_SHARE = 0.02  # of logins
PROFILES = 20
PERMISSION_SETS = 50
Record = dict[str, Any]


def sf_id(prefix: str, n: int) -> str:
    """A sequential 18-character Id: the key prefix, 12 digits, the case-safe suffix."""
    return f"{prefix}{n:012d}AAA"


@dataclass(frozen=True)
class Person:
    id: str
    integration: bool
    violating: bool
    ips: tuple[str, ...]
    login_type: str


def _office_ip(rng: random.Random) -> str:
    return f"203.0.113.{rng.randrange(1, 255)}"


def _outside_ip(rng: random.Random) -> str:
    return f"185.220.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def _person(rng: random.Random, user_id: str, integration: bool) -> Person:
    violating = rng.random() < VIOLATION_SHARE
    if integration:
        ips = [f"198.51.100.{rng.randrange(1, 255)}" for _ in range(rng.randint(1, 3))]
        if violating:
            ips.append(_outside_ip(rng))
        return Person(user_id, True, violating, tuple(ips), "Remote Access 2.0")
    ips = [_office_ip(rng)] + [_outside_ip(rng) for _ in range(rng.randint(0, 3))]
    return Person(user_id, False, False, tuple(ips), "Application")


def _permissions(admin: bool, viewer: bool) -> dict[str, Any]:
    """The Permissions<Name> columns the rules read (settings' default excessive permissions)."""
    return {
        "PermissionsModifyAllData": admin,
        "PermissionsViewAllData": admin or viewer,
        "PermissionsManageUsers": admin,
        "PermissionsAuthorApex": admin,
        "PermissionsCustomizeApplication": admin,
    }


def _profiles() -> tuple[list[Record], list[Record]]:
    licenses = [
        make_license("Salesforce", Id=sf_id("100", 1)),
        make_license("Salesforce Integration", Id=sf_id("100", 2)),
    ]
    profiles = [
        make_profile(
            INTEGRATION_PROFILE,
            license=licenses[1],
            api_only=True,
            Id=sf_id("00e", 0),
            **_permissions(admin=False, viewer=False),
        )
    ]
    for i in range(1, PROFILES):
        profiles.append(
            make_profile(
                f"Profile {i}",
                license=licenses[0],
                Id=sf_id("00e", i),
                **_permissions(admin=i == PROFILES - 1, viewer=i >= PROFILES - 2),
            )
        )
    return licenses, profiles


def _users(
    rng: random.Random, count: int, profiles: list[Record]
) -> tuple[list[Record], list[Person]]:
    users, people = [], []
    integration_every = max(1, round(1 / INTEGRATION_SHARE))
    for n in range(count):
        integration = n % integration_every == 0
        profile = profiles[0] if integration else profiles[1 + n % (len(profiles) - 1)]
        name = f"{'int' if integration else 'user'}{n}@synthetic.example.com"
        user = make_user(name, profile, active=n % 50 != 7, Id=sf_id("005", n), LastLoginDate=None)
        users.append(user)
        people.append(_person(rng, user["Id"], integration))
    return users, people


def _assignments(rng: random.Random, users: list[Record], sets: list[Record]) -> list[Record]:
    rows: list[Record] = []
    for user in users:
        for _ in range(rng.choice((1, 1, 2))):
            chosen = sets[rng.randrange(len(sets))]
            rows.append(make_assignment(user, chosen, Id=sf_id("0Pa", len(rows))))
    return rows


def _login(rng: random.Random, person: Person, n: int) -> Record:
    when = CAPTURED_AT - timedelta(seconds=rng.randrange(1, int(WINDOW.total_seconds())))
    login_type = person.login_type
    if person.integration and person.violating and rng.random() < 0.1:
        login_type = "Application"  # an integration user signing in through the browser
    return {
        "Id": sf_id("0Ya", n),
        "UserId": person.id,
        "LoginTime": iso(when),
        "LoginType": login_type,
        "Status": "Success" if rng.random() >= FAILED_SHARE else "Invalid Password",
        "SourceIp": rng.choice(person.ips),
        "Application": "Synthetic ETL" if login_type == "Remote Access 2.0" else "Browser",
    }


def _logins(rng: random.Random, people: list[Person], count: int) -> list[Record]:
    integrations = [p for p in people if p.integration]
    humans = [p for p in people if not p.integration] or integrations
    rows = []
    for n in range(count):
        pool = integrations if integrations and rng.random() < INTEGRATION_LOGIN_SHARE else humans
        rows.append(_login(rng, pool[rng.randrange(len(pool))], n))
    return rows


def _apps(rng: random.Random, count: int) -> tuple[list[Record], list[Record]]:
    metadata, sobjects = [], []
    for i in range(count):
        relaxation = rng.choices(("ENFORCE", "BYPASS", "BYPASS_2FACTOR"), (0.9, 0.05, 0.05))[0]
        name = f"Synthetic_App_{i}"
        metadata.append(make_connected_app(name, f"Synthetic App {i}", ip_relaxation=relaxation))
        sobjects.append(make_connected_application(f"Synthetic App {i}", Id=sf_id("0H4", i)))
    return metadata, sobjects


def generate(users: int, logins: int, apps: int, seed: int = 1) -> dict[str, Any]:
    """A snapshot dict (schema sfscan-snapshot/1) of the requested size."""
    rng = random.Random(seed)
    licenses, profiles = _profiles()
    sets = [
        make_permission_set(
            f"PS_{i}", Id=sf_id("0PS", i), **_permissions(admin=i == 1, viewer=i == 2)
        )
        for i in range(PERMISSION_SETS)
    ]
    user_rows, people = _users(rng, users, profiles)
    app_metadata, app_rows = _apps(rng, apps)
    ranges = [
        make_ip_range(profiles[i], "203.0.113.0", "203.0.113.255", Id=sf_id("0Ip", i))
        for i in range(0, PROFILES, 2)
    ]
    return {
        "schema": "sfscan-snapshot/1",
        "captured_at": iso(CAPTURED_AT),
        "org": {"Id": "00D000000000SYNAAA", "Name": "Synthetic Org", "IsSandbox": False},
        "sobjects": {
            "User": user_rows,
            "Profile": profiles,
            "UserLicense": licenses,
            "PermissionSet": sets,
            "PermissionSetGroup": [],
            "PermissionSetAssignment": _assignments(rng, user_rows, sets),
            "LoginIpRange": ranges,
            "ConnectedApplication": app_rows,
            "LoginHistory": _logins(rng, people, logins),
            "OauthToken": [],
        },
        "tooling": {"SecurityHealthCheck": [], "SecurityHealthCheckRisks": []},
        "metadata": {
            "ConnectedApp": app_metadata,
            "ExternalClientApplication": [],
            "ExtlClntAppOauthConfigurablePolicies": [],
            "SecuritySettings": [make_security_settings(True)],
        },
        "unavailable": {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orgsim.generate", description=__doc__)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--logins", type=int, required=True)
    parser.add_argument("--apps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="snapshot JSON to write")
    args = parser.parse_args(argv)
    if min(args.users, args.logins, args.apps) < 0 or args.users < 1:
        parser.error("--users must be at least 1; --logins and --apps not negative")
    snapshot = generate(args.users, args.logins, args.apps, args.seed)
    args.out.write_text(json.dumps(snapshot, separators=(",", ":")))
    print(f"wrote {args.out}: {args.users} users, {args.logins} logins, {args.apps} apps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
