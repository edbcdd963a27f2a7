"""Missing data never turns into PASSED, for every rule and every source it reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sfscan.domain.findings import Finding, Status
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


def findings_of(snapshot: Snapshot, rule_id: str) -> dict[str, Finding]:
    rules = [r for r in RULES if r.meta.id == rule_id]
    return {f.resource_id: f for f in evaluate(snapshot, SETTINGS, rules).findings}


@pytest.mark.parametrize(("rule_id", "key"), [(r.meta.id, k) for r in RULES for k in r.meta.needs])
def test_a_missing_need_never_adds_a_pass_and_names_what_was_missing(rule_id, key):
    rules = [r for r in RULES if r.meta.id == rule_id]
    result = evaluate(without(DEMO, key), SETTINGS, rules)
    before = findings_of(DEMO, rule_id)
    changed = [
        f
        for f in result.findings
        if f.resource_id not in before or before[f.resource_id].status is not f.status
    ]
    # Only NOT_AVAILABLE may appear where the verdict depended on the missing source...
    assert {f.status for f in changed} <= {Status.NOT_AVAILABLE}, changed
    # ...each naming it, and every PASSED left does not depend on it.
    for finding in changed:
        assert key in finding.detail or key in json.dumps(finding.evidence), finding
    if key in next(r for r in RULES if r.meta.id == rule_id).meta.resources_from:
        assert [(f.resource_type, f.status) for f in result.findings] == [
            ("Org", Status.NOT_AVAILABLE)
        ]
    if changed or {f.resource_id for f in result.findings} != set(before):
        assert rule_id in result.incomplete_rules


def test_partial_data_still_judges_what_does_not_depend_on_it():
    # Without LoginHistory SF-IU-01 still judges every user identified by other reasons.
    before = findings_of(DEMO, "SF-IU-01")
    after = findings_of(without(DEMO, "sobject:LoginHistory"), "SF-IU-01")
    kept = [rid for rid, f in before.items() if "behavior" not in f.evidence["reasons"]]
    assert kept and all(after[rid].status is before[rid].status for rid in kept)


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
