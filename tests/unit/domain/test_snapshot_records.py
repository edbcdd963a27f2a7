# ruff: noqa: E501  (the case table reads best one case per line)
"""Snapshot files whose records the rules cannot read are refused (exit 2) with the JSON path,
instead of making findings disappear or pass."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sfscan.cli.exit_codes import BAD_INPUT
from sfscan.cli.main import main
from sfscan.domain.errors import InputError
from sfscan.domain.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
DEMO_DATA: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))

Change = Callable[[dict[str, Any]], None]


def _set(section: str, name: str, index: int, field: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data[section][name][index][field] = value

    return change


def _drop(section: str, name: str, index: int, field: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        del data[section][name][index][field]

    return change


def _duplicate(name: str, index: int, *, short: bool = False) -> Change:
    def change(data: dict[str, Any]) -> None:
        twin = copy.deepcopy(data["sobjects"][name][index])
        twin["Id"] = twin["Id"][:15] if short else twin["Id"]
        data["sobjects"][name].append(twin)

    return change


def _count(name: str) -> int:
    return len(DEMO_DATA["sobjects"][name])


CASES: list[tuple[Change, str]] = [
    (_set("sobjects", "User", 3, "IsActive", "yes"), "sobjects.User.3.IsActive: must be true or false, not text"),
    (_set("sobjects", "User", 0, "IsActive", 1), "sobjects.User.0.IsActive: must be true or false, not a number"),
    (_drop("sobjects", "User", 5, "Id"), "sobjects.User.5.Id: missing; every User record needs its Id"),
    (_set("sobjects", "User", 5, "Id", "bob"), "sobjects.User.5.Id: not a Salesforce Id"),
    (_set("sobjects", "User", 5, "Id", 5), "sobjects.User.5.Id: not a Salesforce Id"),
    (_duplicate("Profile", 0), f"sobjects.Profile.{_count('Profile')}.Id: the same Id as sobjects.Profile.0"),
    (_duplicate("Profile", 1, short=True), f"sobjects.Profile.{_count('Profile')}.Id: the same Id as sobjects.Profile.1"),
    (_set("sobjects", "Profile", 0, "PermissionsApiUserOnly", "Y"), "sobjects.Profile.0.PermissionsApiUserOnly: must be true or false"),
    (_set("sobjects", "PermissionSet", 2, "PermissionsModifyAllData", []), "sobjects.PermissionSet.2.PermissionsModifyAllData: must be true or false, not a list"),
    (_set("sobjects", "PermissionSetAssignment", 1, "IsActive", "active"), "sobjects.PermissionSetAssignment.1.IsActive"),
    (_set("sobjects", "ConnectedApplication", 0, "OptionsAllowAdminApprovedUsersOnly", "on"), "sobjects.ConnectedApplication.0.OptionsAllowAdminApprovedUsersOnly"),
    (_set("metadata", "ConnectedApp", 0, "oauthPolicy", "BYPASS"), "metadata.ConnectedApp.0.oauthPolicy: must be an object, not text"),
    (_set("metadata", "ConnectedApp", 0, "oauthConfig", ["x"]), "metadata.ConnectedApp.0.oauthConfig: must be an object, not a list"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_a_record_the_rules_cannot_read_is_refused_with_its_json_path(
    tmp_path: Path, change: Change, expected: str
) -> None:
    data = copy.deepcopy(DEMO_DATA)
    change(data)
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    assert f"{path}: {expected}" in str(info.value)
    assert "nothing was scanned" in str(info.value)


@pytest.mark.parametrize(
    "container",
    [
        {"sobjects": {"User": {}}},
        {"sobjects": {"User": ["005"]}},
        {"sobjects": []},
        {"metadata": {"ConnectedApp": "x"}},
        {"unavailable": {"sobject:User": 3}},
    ],
)
def test_wrong_container_types_are_refused_with_the_path(
    tmp_path: Path, container: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    data = {**copy.deepcopy(DEMO_DATA), **container}
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["scan", "--snapshot", str(path), "--settings", str(DEMO_SETTINGS)])
    err = capsys.readouterr().err
    assert code == BAD_INPUT
    section = next(iter(container))
    assert f"{path}: {section}" in err


def test_null_and_absent_booleans_stay_allowed_as_unknown(tmp_path: Path) -> None:
    data = copy.deepcopy(DEMO_DATA)
    data["sobjects"]["User"][0]["IsActive"] = None
    del data["sobjects"]["User"][1]["IsActive"]
    data["sobjects"]["User"][2]["IsActive"] = "true"  # the Metadata API's text form
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert len(load_snapshot(path).sobjects["User"]) == _count("User")


def test_many_problems_are_listed_up_to_a_bound(tmp_path: Path) -> None:
    data = copy.deepcopy(DEMO_DATA)
    for user in data["sobjects"]["User"]:
        user["IsActive"] = "yes"
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == f"{path}: ... and {_count('User') - 20} more"
