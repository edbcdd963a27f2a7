"""``sfscan doctor`` against the simulator: everything readable, and exactly the missing piece
when the scanner's user lacks a permission or the org lacks a field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from collect_kit import SCANNER, with_scanner_user
from sfscan.cli.main import main
from sfscan.collect import facts

from orgsim import Faults, OrgSimulator

SETUP_SOURCES = {
    "sobject:Profile", "sobject:UserLicense", "sobject:PermissionSet",
    "sobject:PermissionSetGroup", "sobject:PermissionSetAssignment", "sobject:LoginIpRange",
    "sobject:ConnectedApplication", "tooling:SecurityHealthCheck",
    "tooling:SecurityHealthCheckRisks",
}  # fmt: skip
METADATA_SOURCES = {
    "metadata:ConnectedApp", "metadata:ExternalClientApplication",
    "metadata:ExtlClntAppOauthConfigurablePolicies", "metadata:SecuritySettings",
}  # fmt: skip


def doctor_args(sim: OrgSimulator, *extra: str) -> list[str]:
    return [
        "doctor", "--login-url", sim.login_url, "--client-id", sim.client_id,
        "--username", sim.username, "--private-key-file", sim.private_key_file,
        "--ca-bundle", sim.ca_bundle, "--allow-host", "127.0.0.1", *extra,
    ]  # fmt: skip


def doctor_json(sim: OrgSimulator, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main(doctor_args(sim, "--format", "json"))
    return code, json.loads(capsys.readouterr().out)


def not_readable(report: dict[str, Any]) -> set[str]:
    return {k for k, v in report["sources"].items() if v["readable"] is not True}


def test_doctor_reports_everything_readable(
    sim: OrgSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(doctor_args(sim)) == 0
    table = capsys.readouterr().out
    assert "result: everything readable" in table
    assert "MISSING" not in table
    code, report = doctor_json(sim, capsys)
    assert code == 0 and report["ok"] is True and not_readable(report) == set()
    assert report["api_version"] == "62.0"
    policies = report["sources"]["metadata:ExtlClntAppOauthConfigurablePolicies"]
    assert policies["api"] == "metadata" and policies["min_api_version"] == "60.0"
    assert report["daily_api"]["max"] == 15000
    assert report["scanner_user"]["api_only"] is True
    assert report["scanner_user"]["login_ip_ranges"] == ["203.0.113.10-203.0.113.20"]


@pytest.mark.parametrize(("lacking", "missing", "named"), [
    ({"ManageUsers": False, "MonitorLoginHistory": False}, {"sobject:LoginHistory"},
     "Manage Users or Monitor Login History"),
    ({"CustomizeApplication": False}, {"sobject:OauthToken"}, "Customize Application"),
    ({"ViewSetup": False}, SETUP_SOURCES - {"sobject:PermissionSetAssignment"},
     "View Setup and Configuration"),
    ({"ViewSetup": False, "ManageUsers": False}, SETUP_SOURCES, "View Setup and Configuration"),
    ({"ModifyMetadata": False, "ModifyAllData": False}, METADATA_SOURCES, "Modify Metadata"),
])  # fmt: skip
def test_doctor_names_exactly_what_a_missing_permission_hides(
    demo_dict: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    lacking: dict[str, bool],
    missing: set[str],
    named: str,
) -> None:
    with OrgSimulator(with_scanner_user(demo_dict, **lacking), username=SCANNER) as sim:
        code, report = doctor_json(sim, capsys)
    assert code == 1 and report["ok"] is False
    assert not_readable(report) == missing
    assert all(named in report["sources"][key]["reason"] for key in missing)
    assert all(report["permissions"][label] is False for label in lacking_labels(report, lacking))


def lacking_labels(report: dict[str, Any], lacking: dict[str, bool]) -> list[str]:
    by_name = {p.name: p.label for p in facts.SCANNER_PERMISSIONS}
    return [by_name[name] for name in lacking]


def test_a_field_the_org_lacks_is_a_named_gap(
    sim: OrgSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.set_faults(Faults(missing_fields=frozenset({"LoginIpRange.StartAddress"})))
    code, report = doctor_json(sim, capsys)
    assert code == 1
    assert not_readable(report) == {"sobject:LoginIpRange"}
    assert "LoginIpRange.StartAddress" in report["sources"]["sobject:LoginIpRange"]["reason"]


@pytest.mark.parametrize(("faults", "missing"), [
    (Faults(insufficient_access=frozenset({"LoginHistory"})), {"sobject:LoginHistory"}),
    (Faults(invalid_type=frozenset({"PermissionSetGroup"})), {"sobject:PermissionSetGroup"}),
    (Faults(invalid_type=frozenset({"ExternalClientApplication"})),
     {"metadata:ExternalClientApplication"}),
])  # fmt: skip
def test_doctor_names_exactly_the_object_or_type_the_org_refuses(
    sim: OrgSimulator, capsys: pytest.CaptureFixture[str], faults: Faults, missing: set[str]
) -> None:
    sim.set_faults(faults)
    code, report = doctor_json(sim, capsys)
    assert code == 1
    assert not_readable(report) == missing


def test_a_missing_optional_field_is_reported_but_everything_stays_readable(
    sim: OrgSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.set_faults(Faults(missing_fields=frozenset({"PermissionSetAssignment.IsRevoked"})))
    code, report = doctor_json(sim, capsys)
    assert code == 0
    gaps = report["sources"]["sobject:PermissionSetAssignment"]["optional_fields_missing"]
    assert gaps == ["PermissionSetAssignment.IsRevoked"]


def test_doctor_exit_codes_for_bad_input_and_a_refused_login(
    sim: OrgSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(doctor_args(sim, "--api-version", "59.0")) == 2
    assert "older than 60.0" in capsys.readouterr().err
    args = doctor_args(sim)
    args[args.index("--client-id") + 1] = "3MVG9.not.this.app"
    assert main(args) == 3
    assert "invalid_client_id" in capsys.readouterr().err
