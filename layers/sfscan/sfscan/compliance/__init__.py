"""Which requirements of widely used frameworks each rule supports (mapping.json, package data).

The mapping is data, not code: auditors review one file. Every registered rule has an entry (a
test keeps it so) and every requirement id is well formed for its framework (FRAMEWORK_ID_PATTERNS).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# What a requirement id looks like in each framework; the test of the data file holds it to these.
FRAMEWORK_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    # Control or control enhancement: AC-3, AC-2(12)
    "nist_800_53": re.compile(
        r"(AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)"
        r"-[1-9]\d?(\([1-9]\d?\))?"
    ),
    # Safeguard: control 1-18 . safeguard number
    "cis_v8": re.compile(r"(1[0-8]|[1-9])\.[1-9]\d?"),
    # Annex A of the 2022 edition: A.5.1-A.5.37, A.6.1-A.6.8, A.7.1-A.7.14, A.8.1-A.8.34
    "iso_27001_2022": re.compile(
        r"A\.(5\.([1-9]|[12]\d|3[0-7])|6\.[1-8]|7\.([1-9]|1[0-4])|8\.([1-9]|[12]\d|3[0-4]))"
    ),
    # Trust services criteria (2017, revised points of focus 2022): CC1.1-CC9.2, A1.x, C1.x, ...
    "soc2": re.compile(r"(CC[1-9]\.[1-9]|A1\.[1-3]|C1\.[12]|PI1\.[1-5]|P[1-8]\.[1-6])"),
}


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    asff_prefix: str  # "NIST.800-53.r5 AC-3": the form Security Hub's own controls use
    asff_standards_id: str | None = None  # only for standards Security Hub itself knows


@dataclass(frozen=True)
class ComplianceMapping:
    frameworks: tuple[Framework, ...]
    rules: dict[str, dict[str, tuple[str, ...]]]

    def for_rule(self, rule_id: str) -> dict[str, list[str]]:
        """framework key -> requirement ids; empty for a rule the file does not map."""
        return {key: list(ids) for key, ids in self.rules.get(rule_id, {}).items()}

    def labelled(self, rule_id: str) -> list[str]:
        """``["NIST.800-53.r5 AC-3", "CIS Controls v8 5.5", ...]`` in framework order."""
        mapped = self.rules.get(rule_id, {})
        return [
            f"{fw.asff_prefix} {req}" for fw in self.frameworks for req in mapped.get(fw.key, ())
        ]

    def standards_ids(self, rule_id: str) -> list[str]:
        mapped = self.rules.get(rule_id, {})
        return [
            fw.asff_standards_id
            for fw in self.frameworks
            if fw.asff_standards_id and mapped.get(fw.key)
        ]


def _parse(data: dict[str, Any]) -> ComplianceMapping:
    frameworks = tuple(
        Framework(
            key=key,
            name=str(spec["name"]),
            asff_prefix=str(spec["asff_prefix"]),
            asff_standards_id=spec.get("asff_standards_id"),
        )
        for key, spec in data["frameworks"].items()
    )
    rules = {
        rule_id: {key: tuple(str(i) for i in ids) for key, ids in by_framework.items()}
        for rule_id, by_framework in data["rules"].items()
    }
    return ComplianceMapping(frameworks=frameworks, rules=rules)


@cache
def load_mapping() -> ComplianceMapping:
    text = resources.files(__package__).joinpath("mapping.json").read_text(encoding="utf-8")
    return _parse(json.loads(text))


def framework_names() -> dict[str, str]:
    return {fw.key: fw.name for fw in load_mapping().frameworks}
