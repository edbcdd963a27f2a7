"""The compliance mapping data file: every rule mapped, every requirement id well formed."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from sfscan.compliance import FRAMEWORK_ID_PATTERNS, load_mapping
from sfscan.rules.registry import RULES

RULE_ID = re.compile(r"SF-[A-Z]+-\d{2}")
MAPPING = load_mapping()


def raw() -> dict[str, object]:
    text = resources.files("sfscan.compliance").joinpath("mapping.json").read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_every_registered_rule_maps_to_every_framework(rule: object) -> None:
    rule_id = rule.meta.id  # type: ignore[attr-defined]
    mapped = MAPPING.for_rule(rule_id)
    assert set(mapped) == set(FRAMEWORK_ID_PATTERNS), rule_id
    assert all(mapped.values()), f"{rule_id} has a framework with no requirement"


def test_every_requirement_id_is_well_formed_for_its_framework() -> None:
    bad = [
        (rule_id, key, req)
        for rule_id, by_framework in MAPPING.rules.items()
        for key, ids in by_framework.items()
        for req in ids
        if not FRAMEWORK_ID_PATTERNS[key].fullmatch(req)
    ]
    assert bad == []


def test_the_patterns_refuse_ids_of_the_wrong_shape() -> None:
    # Guards the guard: these look plausible but are not requirement ids of those editions.
    assert not FRAMEWORK_ID_PATTERNS["nist_800_53"].fullmatch("AC-03")
    assert not FRAMEWORK_ID_PATTERNS["nist_800_53"].fullmatch("XY-3")
    assert not FRAMEWORK_ID_PATTERNS["cis_v8"].fullmatch("19.1")  # v8 has 18 controls
    assert not FRAMEWORK_ID_PATTERNS["iso_27001_2022"].fullmatch("A.9.2.3")  # 2013 numbering
    assert not FRAMEWORK_ID_PATTERNS["iso_27001_2022"].fullmatch("A.8.35")
    assert not FRAMEWORK_ID_PATTERNS["soc2"].fullmatch("CC10.1")


def test_the_file_names_only_known_frameworks_and_rule_ids_without_duplicates() -> None:
    data = raw()
    assert set(data["frameworks"]) == set(FRAMEWORK_ID_PATTERNS)  # type: ignore[arg-type]
    for rule_id, by_framework in data["rules"].items():  # type: ignore[attr-defined]
        assert RULE_ID.fullmatch(rule_id), rule_id
        assert set(by_framework) <= set(FRAMEWORK_ID_PATTERNS), rule_id
        for key, ids in by_framework.items():
            assert len(ids) == len(set(ids)), f"{rule_id} {key} repeats an id"


def test_labelled_requirements_fit_security_hub_limits() -> None:
    for rule in RULES:
        labels = MAPPING.labelled(rule.meta.id)
        assert len(labels) + 1 <= 32  # RelatedRequirements: at most 32 items, control name first
        assert labels[0].startswith("NIST.800-53.r5 ")
