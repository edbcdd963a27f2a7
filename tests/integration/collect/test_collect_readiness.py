"""The collector runs the readiness check first and never saves a silently narrowed source:
LoginHistory or OauthToken without the permission, a field the org lacks (issue 8.1, 8.4)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from collect_kit import SCANNER, Collect, with_scanner_user
from sfscan.cli.main import main
from sfscan.domain.findings import Status
from sfscan.domain.settings import Settings
from sfscan.engine import evaluate

from orgsim import Faults, OrgSimulator


def statuses(snapshot: Any, settings: Settings, rule_id: str) -> set[Status]:
    return {f.status for f in evaluate(snapshot, settings).findings if f.rule_id == rule_id}


def test_login_history_without_the_permission_is_unavailable_naming_it(
    demo_dict: dict[str, Any], collect: Collect, demo_settings: Settings
) -> None:
    data = with_scanner_user(demo_dict, ManageUsers=False, MonitorLoginHistory=False)
    with OrgSimulator(data, username=SCANNER) as sim:
        got = collect(sim)
    reason = got.unavailable["sobject:LoginHistory"]
    assert reason.startswith("MISSING_PERMISSION: ")
    assert "Manage Users or Monitor Login History" in reason
    assert "LoginHistory" not in got.sobjects
    for rule_id in ("SF-IU-04", "SF-NET-01"):
        assert Status.PASSED not in statuses(got, demo_settings, rule_id), rule_id
    assert got.collection["readiness"]["sources"]["sobject:LoginHistory"]["readable"] is False


def test_oauth_tokens_without_customize_application_are_unavailable(
    demo_dict: dict[str, Any], collect: Collect
) -> None:
    with OrgSimulator(
        with_scanner_user(demo_dict, CustomizeApplication=False), username=SCANNER
    ) as sim:
        got = collect(sim)
    assert "Customize Application" in got.unavailable["sobject:OauthToken"]
    assert "OauthToken" not in got.sobjects


def test_own_rows_only_are_caught_when_the_permissions_cannot_be_read(
    demo_dict: dict[str, Any], collect: Collect
) -> None:
    data = with_scanner_user(demo_dict, ManageUsers=False, MonitorLoginHistory=False)
    faults = Faults(insufficient_access=frozenset({"UserPermissionAccess"}))
    with OrgSimulator(data, faults=faults, username=SCANNER) as sim:
        got = collect(sim)
    assert got.unavailable["sobject:LoginHistory"].startswith("OWN_ROWS_ONLY: ")
    assert got.collection["readiness"]["problems"]


def test_a_field_the_org_lacks_makes_only_its_object_unavailable(
    sim: OrgSimulator, collect: Collect, demo_settings: Settings
) -> None:
    sim.set_faults(Faults(missing_fields=frozenset({"LoginIpRange.StartAddress"})))
    got = collect(sim)
    reason = got.unavailable["sobject:LoginIpRange"]
    assert reason.startswith("MISSING_FIELD: ") and "LoginIpRange.StartAddress" in reason
    assert set(got.unavailable) == {
        "sobject:LoginIpRange",
        "metadata:ConnectedApp:dsfs__DocuSign_eSignature",
    }
    assert Status.PASSED not in statuses(got, demo_settings, "SF-IU-03")


def test_is_revoked_is_collected_when_the_org_describes_it(
    demo_dict: dict[str, Any], collect: Collect
) -> None:
    data = copy.deepcopy(demo_dict)
    revoked = data["sobjects"]["PermissionSetAssignment"][0]
    revoked["IsRevoked"] = True
    with OrgSimulator(data) as sim:
        got = collect(sim)
        sim.set_faults(Faults(missing_fields=frozenset({"PermissionSetAssignment.IsRevoked"})))
        old = collect(sim)
    by_id = {r["Id"]: r for r in got.sobjects["PermissionSetAssignment"]}
    assert by_id[revoked["Id"]]["IsRevoked"] is True
    assert all("IsRevoked" not in r for r in old.sobjects["PermissionSetAssignment"])
    gaps = old.collection["readiness"]["sources"]["sobject:PermissionSetAssignment"]
    assert gaps["optional_fields_missing"] == ["PermissionSetAssignment.IsRevoked"]


def test_a_live_scan_reports_the_readiness_in_its_json(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "scan", "--format", "json", "--fail-on", "none", "--login-url", sim.login_url,
        "--client-id", sim.client_id, "--username", sim.username,
        "--private-key-file", sim.private_key_file, "--ca-bundle", sim.ca_bundle,
        "--allow-host", "127.0.0.1",
    ]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    readiness = result["collection"]["readiness"]
    assert readiness["ok"] is True and readiness["api_version"] == "62.0"
