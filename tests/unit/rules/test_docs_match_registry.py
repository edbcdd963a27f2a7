"""README and docs/rules.md restate every rule's id, title, severity and resource: they must
agree with the registry, so a renamed or re-graded rule cannot leave the docs behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sfscan.rules.base import Rule
from sfscan.rules.registry import RULES, RULES_BY_ID

ROOT = Path(__file__).resolve().parents[3]
RULE_HEADING = re.compile(r"^### (SF-[A-Z]+-\d+) — (.+) \(([A-Z /]+), (.+)\)$", re.MULTILINE)
README_ROW = re.compile(
    r"^\| `(SF-[A-Z]+-\d+)` \| ([^|]+) \| [^|]+ \| ([A-Z /]+) \|$", re.MULTILINE
)


def _headings() -> dict[str, tuple[str, str, str]]:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    return {m[1]: (m[2], m[3], m[4]) for m in RULE_HEADING.finditer(text)}


def _readme_rows() -> dict[str, tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {m[1]: (m[2].strip(), m[3]) for m in README_ROW.finditer(text)}


def test_docs_and_readme_list_exactly_the_registered_rules() -> None:
    assert set(_headings()) == set(RULES_BY_ID)
    assert set(_readme_rows()) == set(RULES_BY_ID)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_rules_md_heading_states_the_registered_title_severity_and_resource(rule: Rule) -> None:
    title, severities, resource = _headings()[rule.meta.id]
    assert title == rule.meta.title
    # The heading names the rule's highest severity first ("HIGH / MEDIUM" for graded rules).
    assert severities.split(" / ")[0] == rule.meta.severity.value
    assert resource == rule.meta.resource_type


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_readme_row_states_the_registered_severity_and_resource(rule: Rule) -> None:
    resource, severities = _readme_rows()[rule.meta.id]
    assert severities.split(" / ")[0] == rule.meta.severity.value
    assert resource.replace(" / ", " or ") == rule.meta.resource_type
