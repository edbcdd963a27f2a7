"""``python -m orgsim``: one JSON line when ready, serves, stops cleanly on SIGTERM.

A real process serving HTTPS on a socket, as it must be; the other orgsim tests are in process
(see conftest.py) except test_https.py and the admin call in test_admin.py."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests
from orgsim_testkit import FIXTURE

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_its_connection_line_serves_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "orgsim", "--snapshot", str(FIXTURE), "--request-limit-after", "1",
         "--server-error-on", "9", "--insufficient-access", "LoginHistory,ConnectedApp"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert set(ready) == {
            "login_url", "instance_url", "ca_bundle", "client_id", "client_secret", "username",
            "private_key_file", "access_token",
        }  # fmt: skip
        assert ready["username"] == "etl@acme.example"
        ask = dict(
            headers={"Authorization": f"Bearer {ready['access_token']}"},
            verify=ready["ca_bundle"],
            timeout=30,
        )
        url = f"{ready['instance_url']}/services/data/v62.0/query/"
        first = requests.get(url, params={"q": "SELECT Id FROM LoginHistory"}, **ask)  # type: ignore[arg-type]
        assert first.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS"
        second = requests.get(url, params={"q": "SELECT Id FROM User"}, **ask)  # type: ignore[arg-type]
        assert second.status_code == 403  # --request-limit-after 1
        temp_files = [Path(ready["ca_bundle"]), Path(ready["private_key_file"])]
        assert all(p.exists() for p in temp_files)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not any(p.exists() for p in temp_files)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_refuses_a_bad_snapshot(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "nope"}')
    done = subprocess.run(
        [sys.executable, "-m", "orgsim", "--snapshot", str(bad)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not a valid sfscan-snapshot/1 snapshot" in done.stderr
    assert done.stdout == ""


def test_cli_refuses_a_username_the_snapshot_does_not_have() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orgsim", "--snapshot", str(FIXTURE), "--username", "nobody@x"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--username nobody@x: no active User with that Username" in done.stderr
    assert done.stdout == ""
