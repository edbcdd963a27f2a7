"""Missing data never turns into PASSED, for every rule and every source it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sfscan.domain.findings import Status
from sfscan.domain.settings import load_settings
from sfscan.domain.snapshot import Snapshot, load_snapshot
from sfscan.engine import evaluate
from sfscan.rules.registry import RULES

ORGS = Path(__file__).resolve().parents[3] / "orgsim" / "orgs"
DEMO = load_snapshot(ORGS / "demo.json")
SETTINGS = load_settings(ORGS / "demo.settings.json")


def without(snapshot: Snapshot, key: str) -> Snapshot:
    return snapshot.model_copy(
        update={"unavailable": {**snapshot.unavailable, key: "INSUFFICIENT_ACCESS: review"}}
    )


def judged(snapshot: Snapshot, rule_id: str) -> set[tuple[str, str]]:
    rules = [r for r in RULES if r.meta.id == rule_id]
    return {(f.resource_id, f.status.value) for f in evaluate(snapshot, SETTINGS, rules).findings}


@pytest.mark.parametrize(("rule_id", "key"), [(r.meta.id, k) for r in RULES for k in r.meta.needs])
def test_a_missing_need_gives_one_org_level_not_available_and_no_pass(rule_id, key):
    rules = [r for r in RULES if r.meta.id == rule_id]
    result = evaluate(without(DEMO, key), SETTINGS, rules)
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert rule_id in result.incomplete_rules


@pytest.mark.parametrize(
    ("rule_id", "key"), [(r.meta.id, k) for r in RULES for k in r.meta.optional_needs]
)
def test_a_missing_optional_source_either_changes_nothing_or_marks_the_rule_incomplete(
    rule_id, key
):
    rules = [r for r in RULES if r.meta.id == rule_id]
    result = evaluate(without(DEMO, key), SETTINGS, rules)
    got = {(f.resource_id, f.status.value) for f in result.findings}
    baseline = judged(DEMO, rule_id)
    # No resource judged otherwise with the data may pass without it. (Without metadata a
    # connected app is named by its SOQL Name, a different resource id: that is allowed
    # because the rule is then incomplete and the earlier finding stays open.)
    judged_ids = {rid for rid, _ in baseline}
    assert not {rid for rid, status in got - baseline if status == "PASSED" and rid in judged_ids}
    if got != baseline:
        assert rule_id in result.incomplete_rules


def test_the_demo_org_judges_every_rule():
    result = evaluate(DEMO, SETTINGS)
    assert {f.rule_id for f in result.findings} == {r.meta.id for r in RULES}
