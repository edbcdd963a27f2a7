"""Any one field of any record given a value of the wrong shape never crashes a rule and never
turns a verdict into PASSED (issue: malformed data passes quietly)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sfscan.domain.findings import Status
from sfscan.domain.snapshot import Snapshot
from sfscan.engine import evaluate

from tests.builders import (
    OrgBuilder,
    make_assignment,
    make_connected_app,
    make_connected_application,
    make_eca_policy,
    make_ip_range,
    make_login,
    make_oauth_token,
    make_permission_set,
    make_permission_set_group,
    make_security_settings,
    make_settings,
)

JUNK: tuple[Any, ...] = (None, "yes", 12, ["x"], {"a": 1}, "")
SETTINGS = make_settings(
    allowed_networks=["203.0.113.0/24"],
    integration_users={"usernames": ["sync@acme.com"]},
    excessive_permissions=["ModifyAllData"],
)


def small_org() -> Snapshot:
    """One record of each kind, wired so that every rule has something to judge."""
    org = OrgBuilder()
    etl = org.integration_user("etl@acme.com")
    sync = org.user("sync@acme.com", org.profile("Sync Profile", PermissionsModifyAllData=False))
    org.person("alice@acme.com")
    group = make_permission_set_group("Baseline")
    aggregate = make_permission_set("Baseline_Agg", api_only=True, group=group)
    admin = make_permission_set("Admin", PermissionsModifyAllData=True)
    org.add("PermissionSetGroup", group).add("PermissionSet", aggregate, admin)
    org.add(
        "PermissionSetAssignment",
        make_assignment(sync, group=group),
        make_assignment(etl, admin, IsRevoked=True),
    )
    org.add("LoginIpRange", make_ip_range(org.integration_profile, "203.0.113.1", "203.0.113.9"))
    org.add(
        "LoginHistory",
        make_login(etl, "Remote Access 2.0", "203.0.113.5"),
        make_login(sync, "Application", "203.0.113.6"),
    )
    org.add("ConnectedApplication", make_connected_application("Acme ETL"))
    org.add("metadata:ConnectedApp", make_connected_app("Acme_ETL", "Acme ETL"))
    org.add("metadata:ExtlClntAppOauthConfigurablePolicies", make_eca_policy("Eca_App"))
    org.add("metadata:SecuritySettings", make_security_settings(True))
    org.add("OauthToken", make_oauth_token("Acme ETL", etl))
    return org.snapshot()


BASE = small_org()


def corruptions() -> list[tuple[str, str, int, str, Any]]:
    out = []
    for section in ("sobjects", "metadata"):
        for key, rows in getattr(BASE, section).items():
            for index, row in enumerate(rows):
                for field, value in row.items():
                    # "yes" is text: only malformed where the field must be an id or a boolean.
                    text_ok = isinstance(value, str) and not field.endswith("Id")
                    junk = [j for j in JUNK if not (text_ok and j == "yes")]
                    out += [(section, key, index, field, j) for j in junk]
    return out


def statuses(snapshot: Snapshot) -> dict[tuple[str, str], Status]:
    return {(f.rule_id, f.resource_id): f.status for f in evaluate(snapshot, SETTINGS).findings}


BEFORE = statuses(BASE)


def test_the_small_org_exercises_every_outcome():
    assert {Status.PASSED, Status.FAILED} <= set(BEFORE.values())
    assert len({rule for rule, _ in BEFORE}) == 12


@pytest.mark.parametrize(("section", "key", "index", "field", "junk"), corruptions())
def test_a_malformed_value_never_crashes_and_never_adds_a_pass(section, key, index, field, junk):
    data = copy.deepcopy(getattr(BASE, section))
    data[key][index][field] = junk
    after = statuses(BASE.model_copy(update={section: data}))
    new_passes = [
        k
        for k, status in after.items()
        if status is Status.PASSED and BEFORE.get(k) not in (None, Status.PASSED)
    ]
    assert not new_passes
