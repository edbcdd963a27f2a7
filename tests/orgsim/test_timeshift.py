"""Serving the org "as of" another moment keeps it the same org: the demo works on any day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sfscan.domain.settings import load_settings
from sfscan.domain.snapshot import load_snapshot
from sfscan.engine import evaluate

from orgsim.timeshift import rebase

ORGS = Path(__file__).resolve().parents[2] / "orgsim" / "orgs"


def _keys(result):  # type: ignore[no-untyped-def]
    return sorted(
        (f.rule_id, f.resource_id, f.status.value, f.severity.value) for f in result.findings
    )


def test_rebase_moves_every_date_time_alike_and_keeps_its_form() -> None:
    demo = load_snapshot(ORGS / "demo.json")
    later = demo.captured_at + timedelta(days=90, hours=5)
    moved = rebase(demo, later)
    assert moved.captured_at == later
    before = demo.sobjects["LoginHistory"][0]["LoginTime"]
    after = moved.sobjects["LoginHistory"][0]["LoginTime"]
    assert len(after) == len(before) and after[-5:] == before[-5:]  # same textual form
    shift = datetime.fromisoformat(after) - datetime.fromisoformat(before)
    assert shift == timedelta(days=90, hours=5)
    assert demo.sobjects["LoginHistory"][0]["LoginTime"] == before  # the original is untouched


def test_the_demo_org_judged_on_any_day_gives_the_same_findings() -> None:
    demo = load_snapshot(ORGS / "demo.json")
    settings = load_settings(ORGS / "demo.settings.json")
    a_year_later = rebase(demo, datetime(2027, 12, 1, 8, 30, tzinfo=UTC))
    assert _keys(evaluate(a_year_later, settings)) == _keys(evaluate(demo, settings))
