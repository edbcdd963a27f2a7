"""The JSON report: ScanResult.to_dict(), the contract the CLI's --format json promises, with each
finding's compliance mapping (framework -> requirement ids) added."""

from __future__ import annotations

import json
from typing import Any

from sfscan.compliance import load_mapping
from sfscan.engine import ScanResult


def report_dict(result: ScanResult, hidden: dict[str, int] | None = None) -> dict[str, Any]:
    """The report as data. ``hidden``: findings left out by ``--status``, counted by status, so
    a filtered report still says how many could not be judged."""
    mapping = load_mapping()
    data = result.to_dict()
    for finding in data["findings"]:
        finding["compliance"] = mapping.for_rule(finding["rule_id"])
    if hidden is not None:
        data["hidden_by_status_filter"] = {k: v for k, v in sorted(hidden.items()) if v}
    return data


def render_json(result: ScanResult, hidden: dict[str, int] | None = None) -> str:
    """``{org_id, org_name, evaluated_at, findings: [...], summary, ...}`` as indented JSON."""
    return json.dumps(report_dict(result, hidden), indent=2, ensure_ascii=False) + "\n"
