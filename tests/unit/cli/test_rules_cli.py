"""`sfscan rules`, rule selection for `sfscan scan`, `--version`, and what `--status` hides."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sfscan import __version__
from sfscan.cli.main import main
from sfscan.domain.findings import Severity
from sfscan.publish.asff_validate import validate_finding
from sfscan.rules.registry import RULES

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
REGISTERED = [rule.meta.id for rule in RULES]


def demo_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(
        ["scan", "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS), "--format", "json",
         "--fail-on", "none", *args]
    )  # fmt: skip
    assert code == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def rule_ids_reported(data: dict[str, object]) -> set[str]:
    return {f["rule_id"] for f in data["findings"]}  # type: ignore[attr-defined,index]


# -- the catalogue -----------------------------------------------------------------------------


def test_rules_json_lists_every_registered_rule_with_needs_and_frameworks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data["rules"]] == REGISTERED
    for entry in data["rules"]:
        assert entry["title"] and entry["resource_type"] and entry["needs"]
        assert Severity(entry["severity"])
        assert set(entry["compliance"]) == {"nist_800_53", "cis_v8", "iso_27001_2022", "soc2"}
    assert data["rule_set"].startswith(f"{len(REGISTERED)} rules, ")


def test_rules_table_shows_each_rule_and_its_frameworks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rule in RULES:
        assert re.search(rf"^{rule.meta.id}\s+{rule.meta.severity.value}", out, re.M)
        assert rule.meta.needs[0] in out
    assert "NIST SP 800-53 rev. 5: " in out and "ISO/IEC 27001:2022 Annex A: A." in out


def test_rules_can_be_filtered_like_a_scan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json", "--severity", "critical"]) == 0
    listed = [r["severity"] for r in json.loads(capsys.readouterr().out)["rules"]]
    assert listed and set(listed) == {"CRITICAL"}


# -- selection ---------------------------------------------------------------------------------


def test_rules_flag_takes_ids_and_patterns_and_nothing_else_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = demo_json(capsys, "--rules", "SF-IU-01,sf-ca-*")
    expected = {"SF-IU-01"} | {i for i in REGISTERED if i.startswith("SF-CA-")}
    assert rule_ids_reported(data) == expected
    assert set(data["summary"]["by_rule"]) == expected  # type: ignore[index]


def test_exclude_rules_leaves_them_out(capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_json(capsys, "--exclude-rules", "SF-NET-01,SF-IU-0*")
    reported = rule_ids_reported(data)
    assert reported and not any(i == "SF-NET-01" or i.startswith("SF-IU-0") for i in reported)


def test_severity_selects_rules_by_their_severity(capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_json(capsys, "--severity", "high,critical")
    wanted = {r.meta.id for r in RULES if r.meta.severity in (Severity.HIGH, Severity.CRITICAL)}
    assert rule_ids_reported(data) == wanted


def test_a_left_out_rule_does_not_decide_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["scan", "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS)]
    # The demo org fails SF-IU-01 (CRITICAL); scanning only MEDIUM rules never reaches CRITICAL.
    assert main([*base, "--fail-on", "critical"]) == 1
    assert main([*base, "--fail-on", "critical", "--severity", "medium"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--rules", "SF-XX-99", "SF-XX-99"),
        ("--rules", "SF-ZZ-*", "SF-ZZ-*"),
        ("--exclude-rules", "SF-IU-1", "SF-IU-1"),
        ("--severity", "urgent", "urgent"),
    ],
)
def test_unknown_rule_pattern_or_severity_is_bad_input(
    flag: str, value: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--snapshot", str(DEMO), flag, value]) == 2
    err = capsys.readouterr().err
    assert flag in err and named in err


def test_a_selection_that_leaves_nothing_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--snapshot", str(DEMO), "--rules", "SF-IU-01", "--severity", "low"]) == 2
    assert "no rule" in capsys.readouterr().err


# -- version -----------------------------------------------------------------------------------


def test_version_shows_package_and_rule_set(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"sfscan {__version__} (rule set: {len(REGISTERED)} rules, ")


# -- compliance in the machine formats --------------------------------------------------------


def test_json_and_csv_carry_each_findings_compliance_mapping(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = demo_json(capsys, "--rules", "SF-IU-01")
    finding = data["findings"][0]  # type: ignore[index]
    assert "AC-6" in finding["compliance"]["nist_800_53"]
    main(["scan", "--snapshot", str(DEMO), "--format", "csv", "--rules", "SF-IU-01",
          "--fail-on", "none"])  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all("NIST.800-53.r5 AC-6" in row["compliance"].split("; ") for row in rows)


def test_asff_related_requirements_name_the_frameworks_and_validate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = ["--aws-account-id", "123456789012", "--region", "eu-west-1"]
    main(["scan", "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS), "--format", "asff",
          *account, "--fail-on", "none"])  # fmt: skip
    findings = json.loads(capsys.readouterr().out)
    for item in findings:
        related = item["Compliance"]["RelatedRequirements"]
        assert related[0] == "OAuth Access Policies - Enforce IP Restrictions"
        assert any(r.startswith("NIST.800-53.r5 ") for r in related)
        assert item["Compliance"]["AssociatedStandards"] == [
            {"StandardsId": "standards/nist-800-53/v/5.0.0"}
        ]
        assert validate_finding(item) == []


# -- what --status hides (issue 10.6) ----------------------------------------------------------


def test_status_failed_table_still_says_how_many_could_not_be_judged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["scan", "--snapshot", str(DEMO), "--fail-on", "none"]  # no settings: NOT_AVAILABLEs
    main([*base, "--format", "json"])
    everything = json.loads(capsys.readouterr().out)["summary"]["by_status"]
    assert everything["NOT_AVAILABLE"] > 0
    main([*base, "--status", "failed"])
    out = " ".join(capsys.readouterr().out.split())  # unwrap the summary
    assert f"{everything['NOT_AVAILABLE']} NOT_AVAILABLE (hidden)" in out
    assert "0 NOT_AVAILABLE" not in out
    total = sum(everything.values())
    assert f"{everything['FAILED']} of {total} findings shown (--status)" in out


def test_status_filtered_json_counts_what_it_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", "--snapshot", str(DEMO), "--fail-on", "none", "--format", "json"])
    everything = json.loads(capsys.readouterr().out)["summary"]["by_status"]
    main(["scan", "--snapshot", str(DEMO), "--fail-on", "none", "--format", "json",
          "--status", "failed"])  # fmt: skip
    hidden = json.loads(capsys.readouterr().out)["hidden_by_status_filter"]
    assert hidden["NOT_AVAILABLE"] == everything["NOT_AVAILABLE"]
    assert "FAILED" not in hidden
