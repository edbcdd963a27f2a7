"""Helpers shared by the collector's integration tests (imported by name, so kept unique)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sfscan.collect import facts
from sfscan.collect.credentials import OrgCredentials, parse_credentials
from sfscan.collect.http import HttpConfig
from sfscan.domain.snapshot import Snapshot

from orgsim import OrgSimulator

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = ROOT / "orgsim" / "orgs" / "demo.settings.json"
NO_SLEEP = HttpConfig(sleep=lambda _: None)


def jwt_credentials(sim: OrgSimulator, settings: dict[str, Any] | None = None) -> OrgCredentials:
    data = sim.jwt_secret()
    if settings is not None:
        data["settings"] = settings
    return parse_credentials(data)


def cc_credentials(sim: OrgSimulator) -> OrgCredentials:
    return parse_credentials(
        {
            "name": "demo",
            "login_url": sim.login_url,
            "auth": {
                "flow": "client_credentials",
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
            },
        }
    )


Collect = Callable[..., Snapshot]


SCANNER = "scanner@acme.example.com"


def with_scanner_user(demo: dict[str, Any], **held: bool) -> dict[str, Any]:
    """The demo org plus a user ``SCANNER`` whose profile holds every permission the readiness
    check reads, except those given False (``ManageUsers=False``). Start the simulator with
    ``username=SCANNER`` so that these permissions decide what it serves."""
    data = copy.deepcopy(demo)
    columns = {p.field: held.get(p.name, True) for p in facts.SCANNER_PERMISSIONS}
    profile_id = "00e5g0000009SCNAAA"
    sobjects = data["sobjects"]
    sobjects["Profile"].append(
        {"Id": profile_id, "Name": "sfscan Scanner", "UserLicenseId": None, **columns}
    )
    sobjects["User"].append(
        {"Id": "0055g0000009SCNAAA", "Username": SCANNER, "Name": "sfscan scanner",
         "IsActive": True, "UserType": "Standard", "ProfileId": profile_id}
    )  # fmt: skip
    return data
