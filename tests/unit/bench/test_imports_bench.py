"""The handler-import bench (bench/imports.py) measures both sides alike, as deployed, whatever
the caller's environment says about bytecode or tracing."""

from __future__ import annotations

import pytest

from bench import imports


def test_both_sides_read_bytecode_and_tracing_is_on_whatever_the_caller_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A developer's shell (or CI) that forbids bytecode would make our modules compile from
    # source on every run while boto3 reads its installed bytecode; one that turns tracing off
    # would measure a handler that is not the deployed one.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    row = imports.measure_handler("dispatch", runs=1)
    assert row["bytecode_cached"] is True
    assert row["tracing_loaded"] is True
    assert row["loads_collector"] is False
    assert row["handler_ms"] > 0 and row["unavoidable_ms"] > 0
    assert row["value"] == pytest.approx(row["handler_ms"] / row["unavoidable_ms"], abs=0.02)
