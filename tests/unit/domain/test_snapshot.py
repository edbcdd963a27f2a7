"""The snapshot envelope: validation with JSON paths, and "not collected" versus "empty"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sfscan.domain.errors import InputError
from sfscan.domain.snapshot import load_snapshot, parse_snapshot

ORG_ID = "00D5g000004TESTAAA"


def envelope(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": "sfscan-snapshot/1",
        "captured_at": "2026-11-28T12:00:00Z",
        "org": {"Id": ORG_ID, "Name": "Test Org"},
        "sobjects": {
            "User": [{"Id": "0055g00000057MqAAI", "Username": "a@b.example"}],
            "LoginHistory": [],
        },
        "tooling": {},
        "metadata": {"ConnectedApp": []},
        "unavailable": {
            "sobject:OauthToken": "INSUFFICIENT_ACCESS: needs Customize Application",
            "metadata:ConnectedApp:Vendor_App": "INSUFFICIENT_ACCESS: managed package",
        },
    }
    data.update(changes)
    return data


def refused(data: Any) -> str:
    with pytest.raises(InputError) as exc:
        parse_snapshot(data, "snap.json")
    return str(exc.value)


def test_valid_snapshot_exposes_its_org_and_evaluation_time() -> None:
    snap = parse_snapshot(envelope())
    assert snap.org_id == ORG_ID
    assert snap.evaluated_at.isoformat() == "2026-11-28T12:00:00+00:00"
    assert snap.records("sobject:User")[0]["Username"] == "a@b.example"


def test_empty_means_read_and_none_absent_means_not_collected() -> None:
    snap = parse_snapshot(envelope())
    assert snap.missing_reason("sobject:LoginHistory") is None
    assert snap.records("sobject:LoginHistory") == []
    assert snap.missing_reason("sobject:Profile") == "not collected"
    assert snap.missing_reason(
        "sobject:OauthToken",
    ).startswith("INSUFFICIENT_ACCESS")
    assert snap.missing(["sobject:User", "sobject:Profile", "tooling:SecurityHealthCheck"]) == {
        "sobject:Profile": "not collected",
        "tooling:SecurityHealthCheck": "not collected",
    }
    with pytest.raises(KeyError):
        snap.records("sobject:Profile")


def test_an_unreadable_metadata_item_does_not_hide_the_type() -> None:
    snap = parse_snapshot(envelope())
    assert snap.missing_reason("metadata:ConnectedApp") is None
    assert (
        snap.item_unavailable("ConnectedApp", "Vendor_App")
        == "INSUFFICIENT_ACCESS: managed package"
    )
    assert snap.item_unavailable("ConnectedApp", "Other") is None


def test_bad_data_keys_are_programming_errors() -> None:
    snap = parse_snapshot(envelope())
    with pytest.raises(ValueError, match="data key"):
        snap.missing_reason("User")


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"sobjects": {"User": ["not a record"]}}, "sobjects.User.0"),
        ({"sobjects": {"User": {"Id": "005"}}}, "sobjects.User"),
        ({"schema": "sfscan-snapshot/2"}, "schema"),
        ({"captured_at": "2026-11-28T12:00:00"}, "captured_at"),  # no offset: ambiguous
        ({"captured_at": "yesterday"}, "captured_at"),
        ({"org": {"Id": "00D"}}, "org.Id"),
        ({"unavailable": {"sobject:User": 42}}, "unavailable.sobject:User"),
        ({"extra_section": {}}, "extra_section"),
    ],
)
def test_malformed_snapshots_name_the_json_path(changes: dict[str, Any], path: str) -> None:
    message = refused(envelope(**changes))
    assert "not a valid sfscan-snapshot/1 snapshot" in message
    assert f"snap.json: {path}:" in message


def test_missing_envelope_fields_are_named() -> None:
    data = envelope()
    del data["captured_at"], data["org"]
    message = refused(data)
    assert "snap.json: captured_at: Field required" in message
    assert "snap.json: org: Field required" in message


def test_round_trip_keeps_the_contract(tmp_path: Path) -> None:
    snap = parse_snapshot(envelope())
    data = snap.to_json_dict()
    assert data["schema"] == "sfscan-snapshot/1" and "collection" not in data
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_snapshot(path) == snap


def test_load_snapshot_refuses_missing_and_non_json_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read snapshot"):
        load_snapshot(tmp_path / "missing.json")
    path = tmp_path / "s.json"
    path.write_text('{"schema": ', encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        load_snapshot(path)
