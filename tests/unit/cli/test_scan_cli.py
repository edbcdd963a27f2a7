"""`sfscan scan` end to end through main(): files in, report and exit code out."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from sfscan.cli import live
from sfscan.cli.main import main
from sfscan.domain.rule_ids import RULE_IDS
from sfscan.domain.settings import Settings, load_settings
from sfscan.domain.snapshot import Snapshot, load_snapshot, parse_snapshot
from sfscan.engine import evaluate

from tests.builders import CONTROL_FINDING_FIELDS, SOBJECT_KEYS

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
ORG_ID = "00D5g000004TESTAAA"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def quiet_org(*, enforce_every_request: bool) -> dict[str, Any]:
    """An org with nothing to judge but the org-wide session setting (SF-ORG-01, MEDIUM)."""
    sobjects = SOBJECT_KEYS
    return {
        "schema": "sfscan-snapshot/1",
        "captured_at": "2026-11-28T12:00:00Z",
        "org": {"Id": ORG_ID, "Name": "Quiet Ltd"},
        "sobjects": {name: [] for name in sobjects},
        "tooling": {"SecurityHealthCheck": [], "SecurityHealthCheckRisks": []},
        "metadata": {
            "ConnectedApp": [],
            "ExternalClientApplication": [],
            "ExtlClntAppOauthConfigurablePolicies": [],
            "SecuritySettings": [
                {
                    "fullName": "Security",
                    "sessionSettings": {"enforceIpRangesEveryRequest": enforce_every_request},
                }
            ],
        },
        "unavailable": {},
    }


def write_json(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def scan(*args: str) -> int:
    return main(["scan", *args])


def demo(*args: str) -> int:
    return scan("--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS), *args)


def _demo_total() -> int:
    return len(evaluate(load_snapshot(DEMO), load_settings(DEMO_SETTINGS)).findings)


# -- output formats ----------------------------------------------------------------------------


def test_json_report_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo("--format", "json", "--fail-on", "none") == 0
    data = json.loads(capsys.readouterr().out)
    assert {"org_id", "org_name", "evaluated_at", "findings", "summary"} <= data.keys()
    assert data["org_name"] == "Acme Corporation"
    assert data["evaluated_at"] == "2026-11-28T12:00:00Z"  # captured_at, not the wall clock
    assert data["findings"], "the demo org produces findings"
    for finding in data["findings"]:
        assert set(finding) >= CONTROL_FINDING_FIELDS, finding["rule_id"]
        assert set(finding["remediation"]) == {"text", "url"}
        assert finding["org_id"] == data["org_id"]
    assert {f["rule_id"] for f in data["findings"]} == set(RULE_IDS)
    assert data["summary"]["total"] == len(data["findings"])


def test_format_name_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo("--format", "JSON", "--fail-on", "none") == 0
    assert json.loads(capsys.readouterr().out)["org_id"]


def test_table_fits_100_columns_without_colour_when_piped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert demo("--fail-on", "none") == 0
    out = capsys.readouterr().out
    assert "SF-IU-01" in out and "SF-ORG-01" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert not ANSI.search(out)
    last_block = " ".join(out.rstrip().split("\n\n")[-1].split())
    assert last_block.startswith(f"{_demo_total()} findings:")
    assert "FAILED by severity:" in last_block


def test_table_is_coloured_on_a_terminal_unless_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    demo("--fail-on", "none")
    assert ANSI.search(capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    demo("--fail-on", "none")
    assert not ANSI.search(capsys.readouterr().out)


def test_csv_parses_with_one_row_per_finding(capsys: pytest.CaptureFixture[str]) -> None:
    demo("--format", "json", "--fail-on", "none")
    findings = json.loads(capsys.readouterr().out)["findings"]
    demo("--format", "csv", "--fail-on", "none")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(findings)
    assert {"evidence", "remediation_text", "remediation_url"} <= rows[0].keys()
    for row in rows:
        assert isinstance(json.loads(row["evidence"]), dict)


def test_asff_needs_account_and_region(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):  # nothing to fall back on
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert demo("--format", "asff", "--aws-account-id", "1234") == 2
    assert "--aws-account-id" in capsys.readouterr().err
    assert demo("--format", "asff", "--aws-account-id", "123456789012") == 2
    assert "--region" in capsys.readouterr().err


def test_asff_lists_one_security_hub_finding_per_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo("--format", "json", "--fail-on", "none")
    total = len(json.loads(capsys.readouterr().out)["findings"])
    code = demo(
        "--format", "asff", "--aws-account-id", "123456789012", "--region", "eu-west-1",
        "--fail-on", "none",
    )  # fmt: skip
    assert code == 0
    asff = json.loads(capsys.readouterr().out)
    assert isinstance(asff, list) and len(asff) == total
    assert {item["AwsAccountId"] for item in asff} == {"123456789012"}


# -- exit codes and --fail-on ------------------------------------------------------------------


def test_demo_org_fails_at_the_default_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo() == 1  # CRITICAL and HIGH findings; --fail-on defaults to HIGH
    capsys.readouterr()


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        ("none", 0),
        ("NONE", 0),
        ("critical", 0),
        ("HIGH", 0),
        ("High", 0),
        ("medium", 1),
        ("LOW", 1),
        ("informational", 1),
    ],
)
def test_fail_on_compares_the_worst_failed_severity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, expected: int
) -> None:
    snap = write_json(tmp_path / "quiet.json", quiet_org(enforce_every_request=False))
    assert scan("--snapshot", snap, "--fail-on", fail_on) == expected  # worst: MEDIUM
    capsys.readouterr()


def test_clean_org_exits_0_even_at_the_lowest_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = write_json(tmp_path / "quiet.json", quiet_org(enforce_every_request=True))
    assert scan("--snapshot", snap, "--fail-on", "informational", "--format", "json") == 0
    statuses = {f["status"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "FAILED" not in statuses


def test_suppressed_failure_does_not_fail_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = write_json(tmp_path / "quiet.json", quiet_org(enforce_every_request=False))
    settings = write_json(
        tmp_path / "s.json",
        {"suppressions": [{"rule_id": "SF-ORG-01", "resource_id": ORG_ID, "reason": "CHG-1"}]},
    )
    assert scan("--snapshot", snap, "--settings", settings, "--fail-on", "low") == 0
    assert "1 suppressed" in " ".join(capsys.readouterr().out.split())


def test_unknown_fail_on_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = write_json(tmp_path / "quiet.json", quiet_org(enforce_every_request=True))
    assert scan("--snapshot", snap, "--fail-on", "severe") == 2
    captured = capsys.readouterr()
    assert "--fail-on" in captured.err and captured.out == ""


# -- bad input: exit 2, the message names the field, nothing is printed to stdout ---------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"allowed_networks": ["10.0.0.0/33"]}, "allowed_networks"),
        ({"allowed_networks": ["203.0.113.7/24"]}, "allowed_networks"),
        (
            {"suppressions": [{"rule_id": "SF-XX-99", "resource_id": "x", "reason": "r"}]},
            "suppressions.0.rule_id",
        ),
        ({"lookback_days": "thirty"}, "lookback_days"),
        ({"outside_login_scope": "everyone"}, "outside_login_scope"),
        (
            {"integration_users": {"username_patterns": ["("]}},
            "integration_users.username_patterns",
        ),
        ({"alowed_networks": []}, "alowed_networks"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: dict[str, Any], named: str
) -> None:
    path = write_json(tmp_path / "settings.json", settings)
    assert scan("--snapshot", str(DEMO), "--settings", path) == 2
    captured = capsys.readouterr()
    assert named in captured.err
    assert "nothing was scanned" in captured.err
    assert captured.out == ""


def test_malformed_snapshot_names_the_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = quiet_org(enforce_every_request=True)
    data["sobjects"]["User"] = ["not a record"]
    assert scan("--snapshot", write_json(tmp_path / "bad.json", data)) == 2
    captured = capsys.readouterr()
    assert "sobjects.User.0" in captured.err and captured.out == ""


def test_snapshot_without_captured_at_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = quiet_org(enforce_every_request=True)
    del data["captured_at"]
    assert scan("--snapshot", write_json(tmp_path / "bad.json", data)) == 2
    assert "captured_at" in capsys.readouterr().err


def test_not_json_is_refused_with_the_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("schema: sfscan\n", encoding="utf-8")
    assert scan("--snapshot", str(path)) == 2
    err = capsys.readouterr().err
    assert "not JSON" in err and "line 1" in err


def test_missing_files_are_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scan("--snapshot", str(tmp_path / "nope.json")) == 2
    assert "cannot read snapshot" in capsys.readouterr().err
    assert scan("--snapshot", str(DEMO), "--settings", str(tmp_path / "nope.json")) == 2
    assert "cannot read settings" in capsys.readouterr().err


def test_unknown_format_is_rejected_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        demo("--format", "xml")
    assert exc.value.code == 2
    assert "--format" in capsys.readouterr().err


# -- --output ----------------------------------------------------------------------------------


def test_output_writes_the_file_and_keeps_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "findings.json"
    target.write_text("old report", encoding="utf-8")
    assert demo("--format", "json", "--output", str(target)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(target) in captured.err
    assert json.loads(target.read_text(encoding="utf-8"))["org_name"] == "Acme Corporation"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json"]  # no temp file left


def test_output_table_is_plain_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.txt"
    assert demo("--output", str(target), "--fail-on", "none") == 0
    text = target.read_text(encoding="utf-8")
    assert "SF-CA-01" in text and not ANSI.search(text)
    assert max(len(line) for line in text.splitlines()) <= 100
    capsys.readouterr()


def test_output_into_a_missing_directory_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo("--output", str(tmp_path / "no" / "such" / "dir.json")) == 2
    assert "--output" in capsys.readouterr().err


# -- live scans and settings precedence --------------------------------------------------------


def _fake_collect(
    settings: Settings | None,
) -> Any:
    snapshot: Snapshot = parse_snapshot(quiet_org(enforce_every_request=False))

    def collect(args: argparse.Namespace) -> tuple[Snapshot, Settings | None]:
        return snapshot, settings

    return collect


def test_live_scan_uses_the_settings_stored_with_the_org(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = Settings.model_validate(
        {"suppressions": [{"rule_id": "SF-ORG-01", "resource_id": ORG_ID, "reason": "CHG-7"}]}
    )
    monkeypatch.setattr(live, "collect_from_args", _fake_collect(stored))
    assert scan("--format", "json", "--fail-on", "medium") == 0  # the stored suppression applied
    assert json.loads(capsys.readouterr().out)["summary"]["suppressed"] == 1


def test_settings_file_wins_over_stored_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = Settings.model_validate(
        {"suppressions": [{"rule_id": "SF-ORG-01", "resource_id": ORG_ID, "reason": "CHG-7"}]}
    )
    monkeypatch.setattr(live, "collect_from_args", _fake_collect(stored))
    file_settings = write_json(tmp_path / "s.json", {"lookback_days": 7})
    assert scan("--settings", file_settings, "--fail-on", "medium") == 1
    capsys.readouterr()


def test_live_scan_without_any_settings_uses_defaults_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "collect_from_args", _fake_collect(None))
    assert scan("--fail-on", "none") == 0
    assert "using the defaults" in capsys.readouterr().err


def test_bad_settings_file_stops_a_live_scan_before_collecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_collect(args: argparse.Namespace) -> tuple[Snapshot, Settings | None]:
        raise AssertionError("collected with a bad configuration")

    monkeypatch.setattr(live, "collect_from_args", must_not_collect)
    bad = write_json(tmp_path / "s.json", {"allowed_networks": ["nope"]})
    assert scan("--settings", bad) == 2
    assert "allowed_networks" in capsys.readouterr().err


# -- help --------------------------------------------------------------------------------------


def test_help_documents_formats_exit_codes_and_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        scan("--help")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for text in ("--snapshot", "--settings", "--fail-on", "--output", "--aws-account-id", "csv"):
        assert text in out
    assert "exit codes:" in out and "examples:" in out and "none" in out


# -- --status ------------------------------------------------------------------------------------


def test_status_filter_reports_only_those_findings_but_keeps_the_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Only PASSED findings are shown, yet the demo org's FAILED ones still decide the exit code.
    assert demo("--format", "json", "--status", "passed") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] and {f["status"] for f in data["findings"]} == {"PASSED"}
    assert data["summary"]["total"] == len(data["findings"]) < _demo_total()


def test_status_filter_accepts_a_list_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    demo("--format", "csv", "--status", "Failed, NOT_AVAILABLE", "--fail-on", "none")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["status"] for r in rows} == {"FAILED", "NOT_AVAILABLE"}


def test_unknown_status_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo("--status", "broken") == 2
    assert "--status" in capsys.readouterr().err
