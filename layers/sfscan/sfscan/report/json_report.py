"""The JSON report: ScanResult.to_dict(), the contract the CLI's --format json promises."""

from __future__ import annotations

import json

from sfscan.engine import ScanResult


def render_json(result: ScanResult) -> str:
    """``{org_id, org_name, evaluated_at, findings: [...], summary, ...}`` as indented JSON."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
