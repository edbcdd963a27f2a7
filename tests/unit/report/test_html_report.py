"""The HTML report's content: counts, escaping, NOT_AVAILABLE, suppressions, self-containment."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from sfscan.cli.main import main
from sfscan.domain.findings import Status
from sfscan.report.html import render_html

from tests.unit.report.html_fixtures import (
    DEMO,
    DEMO_SETTINGS,
    HOSTILE,
    demo_json,
    demo_result,
    hostile_result,
)


class _Collect(HTMLParser):
    """Tags and the attributes that could make a browser fetch or run something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
            if name in ("src", "srcset", "data", "poster") or (tag == "link" and name == "href"):
                self.fetching.append((tag, name, value or ""))


def parse(text: str) -> _Collect:
    parser = _Collect()
    parser.feed(text)
    return parser


def cell(text: str, attr: str, key: str) -> int:
    match = re.search(rf'{attr}="{re.escape(key)}">(\d+)<', text)
    assert match, f"{attr}={key} not in the report"
    return int(match.group(1))


def test_summary_counts_are_those_of_the_json_report() -> None:
    result, settings = demo_result()
    text = render_html(result, settings=settings)
    summary = demo_json(result)["summary"]
    assert cell(text, "data-count", "total") == summary["total"]
    for status, count in summary["by_status"].items():
        assert cell(text, "data-count", status) == count
    for severity, count in summary["failed_by_severity"].items():
        assert cell(text, "data-failed-severity", severity) == count
    assert cell(text, "data-count", "suppressed") == summary["suppressed"]
    assert text.count('class="finding"') == summary["total"]


def test_hostile_org_data_is_text_never_markup() -> None:
    text = render_html(hostile_result())
    parsed = parse(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert parsed.handlers == []
    assert HOSTILE not in text
    assert str(escape(HOSTILE)) in text  # shown, escaped


def test_the_report_fetches_nothing_and_forbids_fetching() -> None:
    result, settings = demo_result()
    text = render_html(result, settings=settings)
    parsed = parse(text)
    assert parsed.fetching == []
    assert "script" not in parsed.tags
    assert "default-src 'none'" in text  # the browser refuses any fetch (CSP)
    assert not re.search(r"url\(|@import", text)


def test_not_available_findings_say_what_was_missing() -> None:
    result, _ = demo_result(settings=False)  # no allowed_networks: SF-IU-03 and SF-NET-01
    missing = [f for f in result.findings if f.status is Status.NOT_AVAILABLE]
    assert missing
    text = render_html(result)
    assert 'id="not-available"' in text
    for rule_id, why in result.incomplete_rules.items():
        assert rule_id in text and str(escape(why)) in text


def test_suppressions_show_reason_expiry_and_whether_they_applied() -> None:
    result, settings = demo_result()
    text = render_html(result, settings=settings)
    assert settings.suppressions
    for s in settings.suppressions:
        assert str(escape(s.reason)) in text
        if s.expires:
            assert s.expires.isoformat().replace("+00:00", "Z") in text
    assert 'data-suppression="applied"' in text


def test_every_finding_has_remediation_help_link_and_evidence() -> None:
    result, settings = demo_result()
    text = render_html(result, settings=settings)
    for finding in result.findings:
        if finding.status is not Status.PASSED and finding.remediation.url:
            assert f'href="{escape(finding.remediation.url)!s}"' in text
    assert text.count("<pre>") == len(result.findings)


def test_the_by_rule_table_names_each_rules_frameworks() -> None:
    result, settings = demo_result()
    text = render_html(result, settings=settings)
    for rule_id in {f.rule_id for f in result.findings}:
        row = re.search(rf'<tr data-rule="{rule_id}">.*?</tr>', text, re.S)
        assert row and "NIST.800-53.r5 " in row.group(0)


def test_the_cli_writes_the_report_with_suppressions_and_what_status_hid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    code = main(
        ["scan", "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS), "--format", "html",
         "--output", str(out), "--status", "failed", "--fail-on", "none"]
    )  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    result, _ = demo_result()
    hidden = sum(1 for f in result.findings if f.status is not Status.FAILED)
    assert text.count('class="finding"') == len(result.findings) - hidden
    assert re.search(r'data-hidden="PASSED">\d+ PASSED<', text)
    assert 'data-suppression="applied"' in text  # the CLI passed the settings through
    assert f"wrote {len(result.findings) - hidden} findings" in capsys.readouterr().err


def test_users_left_out_of_scope_are_named_with_the_reason() -> None:
    result, _ = demo_result()
    assert result.out_of_scope  # the demo org has portal and community users
    text = render_html(result)
    assert 'id="out-of-scope"' in text
    for user in result.out_of_scope:
        assert str(escape(user["username"])) in text and str(escape(user["reason"])) in text
