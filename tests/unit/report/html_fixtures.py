"""Scan results the HTML report tests share: the demo org, and one carrying hostile org data."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sfscan.domain.findings import Status
from sfscan.domain.settings import Settings, load_settings
from sfscan.domain.snapshot import load_snapshot
from sfscan.engine import ScanResult, evaluate
from sfscan.report.json_report import report_dict

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">@evil.example'


def demo_result(settings: bool = True) -> tuple[ScanResult, Settings]:
    chosen = load_settings(DEMO_SETTINGS) if settings else Settings()
    return evaluate(load_snapshot(DEMO), chosen), chosen


def demo_json(result: ScanResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(report_dict(result)))
    return data


def hostile_result() -> ScanResult:
    """The demo scan with a username, an org name and evidence an attacker controls."""
    result, _ = demo_result()
    findings = tuple(
        replace(f, resource_name=HOSTILE, evidence={**f.evidence, "username": HOSTILE})
        if f.status is Status.FAILED and f.resource_type == "User"
        else f
        for f in result.findings
    )
    return replace(result, org_name=f"Acme {HOSTILE}", findings=findings)
