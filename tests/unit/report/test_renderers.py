"""The table, JSON and CSV renderers, on hand-built scan results (no rules involved)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.engine import ScanResult
from sfscan.report import CSV_COLUMNS, render_csv, render_json, render_table

ORG_ID = "00D5g000004DEMOEA4"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def make_finding(
    rule_id: str = "SF-IU-01",
    *,
    status: Status = Status.FAILED,
    severity: Severity = Severity.CRITICAL,
    resource_id: str = "0055g00000057MqAAI",
    resource_name: str = "backup.service@acme.example.com",
    detail: str = "Integration user backup.service@acme.example.com can log in to the UI.",
    evidence: dict[str, object] | None = None,
    suppressed: bool = False,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        org_id=ORG_ID,
        resource_type="User",
        resource_id=resource_id,
        resource_name=resource_name,
        status=status,
        severity=severity,
        title=f"Title of {rule_id}",
        detail=detail,
        remediation=Remediation(text="Enable API Only User.", url="https://help.example.com/x"),
        evidence=evidence if evidence is not None else {"reasons": ["configured"]},
        suppressed=suppressed,
    )


def make_result(*findings: Finding, incomplete: dict[str, str] | None = None) -> ScanResult:
    return ScanResult(
        org_id=ORG_ID,
        org_name="Acme Corporation",
        evaluated_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        findings=tuple(findings),
        incomplete_rules=incomplete or {},
    )


MIXED = make_result(
    make_finding(
        "SF-CA-01", status=Status.PASSED, severity=Severity.HIGH, resource_name="Jenkins CI"
    ),
    make_finding(
        "SF-IU-01", status=Status.PASSED, resource_name="mulesoft.integration@acme.example.com"
    ),
    make_finding("SF-IU-01", status=Status.NOT_AVAILABLE, resource_name="zeta@acme.example.com"),
    make_finding("SF-IU-01", status=Status.WARNING, resource_name="warn@acme.example.com"),
    make_finding("SF-IU-01", status=Status.FAILED, detail="word " * 80, suppressed=True),
    make_finding(
        "SF-CA-01",
        status=Status.FAILED,
        severity=Severity.MEDIUM,
        resource_id="Tableau_Connector",
        resource_name="Tableau Connector",
        evidence={"ipRelaxation": "ENFORCE_RELAXREFRESH", "note": 'a "quoted", text'},
    ),
)


def test_table_groups_by_rule_in_control_order_and_statuses_worst_first() -> None:
    text = render_table(MIXED)
    assert text.index("SF-IU-01  Title of SF-IU-01") < text.index("SF-CA-01  Title of SF-CA-01")
    iu01 = text[text.index("SF-IU-01  Title") : text.index("SF-CA-01  Title")]
    positions = [iu01.index(f"\n{s}") for s in ("FAILED", "WARNING", "NOT_AVAILABLE", "PASSED")]
    assert positions == sorted(positions)


def test_table_fits_100_columns_and_keeps_every_word() -> None:
    text = render_table(MIXED)
    assert max(len(line) for line in text.splitlines()) <= 100
    # The long username is split, not cut: both halves are shown.
    assert "mulesoft.integration" in text and "@acme.example.com" in text
    assert text.count("word") == 80


def test_table_narrow_terminal_still_fits() -> None:
    text = render_table(MIXED, width=60)
    assert max(len(line) for line in text.splitlines()) <= 60


def test_table_marks_suppressed_and_ends_with_a_summary_line() -> None:
    text = render_table(MIXED)
    assert any(line.startswith("suppressed") for line in text.splitlines())
    summary = " ".join(text.rstrip("\n").split("\n\n")[-1].split())  # the last block, unwrapped
    assert "6 findings: 2 FAILED, 1 WARNING, 1 NOT_AVAILABLE, 2 PASSED" in summary
    # The suppressed CRITICAL does not count as a FAILED by severity.
    assert "FAILED by severity: 1 MEDIUM" in summary
    assert "1 suppressed" in summary


def test_table_lists_incomplete_rules() -> None:
    result = make_result(
        make_finding(), incomplete={"SF-CA-01": "metadata:ConnectedApp unreadable"}
    )
    text = render_table(result)
    assert "SF-CA-01: metadata:ConnectedApp unreadable" in text


def test_table_colour_only_when_asked() -> None:
    assert not ANSI.search(render_table(MIXED))
    coloured = render_table(MIXED, colour=True)
    assert "\x1b[31mFAILED" in coloured
    # Colour codes never push a line past the width.
    assert max(len(ANSI.sub("", line)) for line in coloured.splitlines()) <= 100


def test_table_of_an_empty_result_says_so() -> None:
    text = render_table(make_result())
    assert "No findings." in text
    assert "0 findings" in text


def test_json_is_the_scan_result_contract() -> None:
    data = json.loads(render_json(MIXED))
    compliance = [finding.pop("compliance") for finding in data["findings"]]
    assert data == json.loads(json.dumps(MIXED.to_dict()))
    # Each finding also names the framework requirements its rule supports.
    assert all(c["nist_800_53"] for c in compliance)
    assert data["org_id"] == ORG_ID and data["evaluated_at"] == "2026-11-28T12:00:00Z"
    assert data["summary"]["by_status"]["FAILED"] == 2


def test_csv_has_one_parseable_row_per_finding() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(MIXED))))
    assert len(rows) == 6
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    tableau = next(r for r in rows if r["resource_id"] == "Tableau_Connector")
    assert json.loads(tableau["evidence"]) == {
        "ipRelaxation": "ENFORCE_RELAXREFRESH",
        "note": 'a "quoted", text',
    }
    assert tableau["remediation_url"] == "https://help.example.com/x"
    assert tableau["remediation_text"] == "Enable API Only User."
    assert {r["suppressed"] for r in rows} == {"true", "false"}
    # Same order as the table: by rule, worst first.
    assert [r["rule_id"] for r in rows][:4] == ["SF-IU-01"] * 4
    assert rows[0]["status"] == "FAILED"


def test_table_names_the_users_left_out_of_scope_and_why() -> None:
    """A user the control does not judge (portal, community, guest) has no finding: the table
    says who was left out and why, so no one reads a missing user as a pass."""
    users = [
        {
            "user_id": f"0055g0000005{n:03d}AAA",
            "username": f"portal{n}@customer.example.org",
            "user_type": "CspLitePortal",
            "reason": "high-volume portal or community user (UserType CspLitePortal)",
        }
        for n in range(13)
    ]
    result = ScanResult(
        org_id=ORG_ID,
        org_name="Acme Corporation",
        evaluated_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        findings=(make_finding(),),
        out_of_scope=tuple(users),
    )
    text = render_table(result)
    assert "13 active user(s) not judged" in text
    assert "portal0@customer.example.org: high-volume portal or community user" in text
    assert "portal9@customer.example.org" in text and "portal10@" not in text
    assert "+3 more (--format json lists them all)" in text
    assert "not judged" not in render_table(MIXED)
