"""Offline equals live: ``sfscan collect`` then ``sfscan scan --snapshot`` judges the org exactly
as a live ``sfscan scan`` with the same credentials file does, because the snapshot records the
settings it was collected with. Real simple-salesforce against the simulator over HTTPS."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sfscan.cli.main import main

from orgsim import OrgSimulator

ORGS = Path(__file__).resolve().parents[3] / "orgsim" / "orgs"


@pytest.fixture
def sim() -> Iterator[OrgSimulator]:
    with OrgSimulator(str(ORGS / "demo.json"), as_of=datetime.now(UTC)) as running:
        yield running


@pytest.fixture
def secret_file(sim: OrgSimulator, tmp_path: Path) -> str:
    """The org's credentials file with its settings embedded, as older registrations hold."""
    data = {
        **sim.jwt_secret(),
        "settings": json.loads((ORGS / "demo.settings.json").read_text()),
    }
    path = tmp_path / "demo.secret.json"
    path.write_text(json.dumps(data))
    return str(path)


def verdicts(report: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    return Counter((f["rule_id"], f["resource_id"], f["status"]) for f in report["findings"])


def test_collect_then_offline_scan_gives_the_live_findings(
    sim: OrgSimulator, secret_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = ["--secret-file", secret_file, "--ca-bundle", sim.ca_bundle, "--allow-host", "127.0.0.1"]
    assert main(["scan", *conn, "--format", "json", "--fail-on", "none"]) == 0
    live = json.loads(capsys.readouterr().out)

    snapshot = tmp_path / "demo.snapshot.json"
    assert main(["collect", *conn, "--out", str(snapshot)]) == 0
    capsys.readouterr()
    assert json.loads(snapshot.read_text())["settings"]["allowed_networks"]

    assert main(["scan", "--snapshot", str(snapshot), "--format", "json", "--fail-on", "none"]) == 0
    offline = json.loads(capsys.readouterr().out)
    assert verdicts(offline) == verdicts(live)
    assert offline["summary"] == live["summary"]
    # The settings mattered: with the defaults, the network rules cannot judge.
    statuses = Counter(f["status"] for f in live["findings"] if f["rule_id"] == "SF-NET-01")
    assert statuses and "NOT_AVAILABLE" not in statuses
