"""The scan Lambda logs collection progress as structured JSON fields, with the org's keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pipeline_fixtures import (
    FakeContext,
    load_event,
    load_handler,
    make_snapshot,
    scan_world,
)
from sfscan.collect.http import CallBudget
from sfscan.collect.progress import planned_sources
from sfscan.domain.snapshot import Snapshot
from sfscan.pipeline import runtime


@pytest.fixture
def scan_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with scan_world(monkeypatch) as (session, _):
        yield session
    runtime.reset()


def fake_collect(*_args: Any, progress: Any, budget: CallBudget, **_kw: Any) -> Snapshot:
    """What the collector does with the hooks: counts its calls, reports each source."""
    for source in planned_sources()[:3]:
        budget.count(token_call=False)
        progress(f"{source}: 5 record(s)")
    return make_snapshot("BYPASS")


def test_each_source_done_is_one_json_log_record(
    scan_env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(runtime, "collect_snapshot", fake_collect)
    scan = load_handler("scan")
    assert scan.handler(load_event("scan.json"), FakeContext()) == {"batchItemFailures": []}
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    progress = [r for r in records if r.get("message") == "collection progress"]
    assert [r["sources_done"] for r in progress] == [1, 2, 3]
    assert [r["api_calls"] for r in progress] == [1, 2, 3]
    assert {r["sources_total"] for r in progress} == {len(planned_sources())}
    assert progress[0]["source"] == planned_sources()[0]
    assert progress[-1]["waiting_on"] == planned_sources()[3]
    assert all(r["org_name"] == "demo" and "elapsed_s" in r for r in progress)
