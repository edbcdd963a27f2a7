"""The scan's own limits, through the real CLI against the org simulator: --timeout ends a scan
of a slow org as incomplete (exit 3), and Ctrl-C stops it at once, calls in flight or not."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliab_kit import demo, secret_data
from sfscan.cli.exit_codes import INCOMPLETE, INTERRUPTED
from sfscan.cli.main import main

from orgsim import Faults, OrgSimulator

SFSCAN = Path(sys.executable).parent / "sfscan"


def _secret_file(sim: OrgSimulator, tmp_path: Path) -> str:
    path = tmp_path / "secret.json"
    path.write_text(json.dumps(secret_data(sim)), encoding="utf-8")
    return str(path)


def _live_args(sim: OrgSimulator, tmp_path: Path) -> list[str]:
    return [
        "--secret-file", _secret_file(sim, tmp_path),
        "--ca-bundle", sim.ca_bundle,
        "--allow-host", sim.login_url.removeprefix("https://"),
    ]  # fmt: skip


def test_a_live_scan_past_its_timeout_is_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with OrgSimulator(demo()) as sim:
        # Every API answer sends one byte per 10 minutes: a 1 s limit passes on the first one.
        sim.set_faults(Faults(drip_on=frozenset(range(1, 500)), drip_interval_ms=600_000))
        code = main(["scan", *_live_args(sim, tmp_path), "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == INCOMPLETE
    assert "did not finish within its time limit (--timeout: 1 s)" in err


def test_ctrl_c_stops_a_live_scan_while_calls_are_in_flight(tmp_path: Path) -> None:
    with OrgSimulator(demo()) as sim:
        # The login answers at once; every API answer then sends one byte per 10 minutes, so
        # the workers are stuck reading when Ctrl-C comes.
        sim.set_faults(Faults(drip_on=frozenset(range(1, 500)), drip_interval_ms=600_000))
        proc = subprocess.Popen(
            [str(SFSCAN), "scan", *_live_args(sim, tmp_path), "--timeout", "3600"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        for line in proc.stderr:
            if "logged in to" in line:
                break
        while sim.api_calls == 0:  # wait until a worker has a call in flight
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        # The old behaviour waited for every call in flight (60 s read timeout each); the guard
        # only keeps a regression from hanging the suite.
        code = proc.wait(timeout=45)
        rest = proc.stderr.read()
    assert code == INTERRUPTED
    assert "sfscan: interrupted" in rest
    assert "Traceback" not in rest
