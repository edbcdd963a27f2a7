"""Progress of a real collection (simple-salesforce over HTTPS against the simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_kit import Collect
from sfscan.cli.main import main
from sfscan.collect.http import CallBudget
from sfscan.collect.progress import CollectionProgress, ProgressState, planned_sources

from orgsim import OrgSimulator


def test_every_planned_source_is_reported_and_the_calls_match_the_snapshot(
    sim: OrgSimulator, collect: Collect
) -> None:
    budget, states = CallBudget(), []
    progress = CollectionProgress(budget, states.append)
    snapshot = collect(sim, progress=progress, budget=budget)
    last: ProgressState = progress.state()
    assert last.done == last.total == len(planned_sources())
    assert last.waiting_on is None
    assert last.api_calls == snapshot.collection["api_calls"]
    assert [s.done for s in states] == list(range(1, last.total + 1))


def cli_args(sim: OrgSimulator, out: Path) -> list[str]:
    return [
        "collect", "--out", str(out), "--login-url", sim.login_url, "--client-id", sim.client_id,
        "--username", sim.username, "--private-key-file", sim.private_key_file,
        "--ca-bundle", sim.ca_bundle, "--allow-host", "127.0.0.1",
    ]  # fmt: skip


def test_quiet_collect_prints_only_its_result(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli_args(sim, tmp_path / "loud.json")]) == 0
    loud = capsys.readouterr().err.splitlines()
    assert any(line.endswith("record(s)") for line in loud)  # stderr is not a terminal: lines
    assert main([*cli_args(sim, tmp_path / "quiet.json"), "--quiet"]) == 0
    quiet = capsys.readouterr().err.splitlines()
    assert not any("record(s)" in line or "logged in" in line for line in quiet)
    assert quiet and quiet[-1].startswith("sfscan: saved ")
