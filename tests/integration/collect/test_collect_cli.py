"""``sfscan collect`` end to end against the simulator: file, summary line, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sfscan.cli.main import main
from sfscan.domain.snapshot import load_snapshot

from orgsim import Faults, OrgSimulator


def jwt_args(sim: OrgSimulator, out: Path) -> list[str]:
    return [
        "collect",
        "--out",
        str(out),
        "--login-url",
        sim.login_url,
        "--client-id",
        sim.client_id,
        "--username",
        sim.username,
        "--private-key-file",
        sim.private_key_file,
        "--ca-bundle",
        sim.ca_bundle,
        "--allow-host",
        "127.0.0.1",
    ]


def test_collect_writes_the_snapshot_and_prints_one_summary_line(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "acme.json"
    assert main(jwt_args(sim, out)) == 0
    saved = load_snapshot(out)
    assert saved.org.Id and saved.sobjects["User"]
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary.startswith(f"sfscan: saved {out}: ")
    assert "User 41" in summary and "API calls" in summary
    assert "daily API requests remaining" in summary and "unavailable:" in summary
    assert [p.name for p in tmp_path.iterdir()] == ["acme.json"]  # no temp file left behind


def test_client_credentials_from_the_environment(
    sim: OrgSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFSCAN_LOGIN_URL", sim.login_url)
    monkeypatch.setenv("SFSCAN_CLIENT_ID", sim.client_id)
    monkeypatch.setenv("SFSCAN_CLIENT_SECRET", sim.client_secret)
    monkeypatch.setenv("SFSCAN_CA_BUNDLE", sim.ca_bundle)
    monkeypatch.setenv("SFSCAN_ALLOWED_HOSTS", sim.login_url.removeprefix("https://"))
    out = tmp_path / "snap.json"
    assert main(["collect", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["schema"] == "sfscan-snapshot/1"


def test_a_refused_host_exits_2_and_writes_nothing(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    args = jwt_args(sim, out)[:-2]  # without --allow-host
    assert main(args) == 2
    assert "--allow-host" in capsys.readouterr().err
    assert not out.exists()


def test_the_request_limit_exits_3_and_keeps_an_earlier_snapshot(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    out.write_text("earlier")
    sim.set_faults(Faults(request_limit_after=3))
    assert main(jwt_args(sim, out)) == 3
    assert "request limit" in capsys.readouterr().err
    assert out.read_text() == "earlier"


def test_a_bad_login_exits_3_with_what_to_fix(
    sim: OrgSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = jwt_args(sim, tmp_path / "x.json")
    args[args.index("--username") + 1] = "nobody@acme.example.com"
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "refused the JWT bearer login" in err
    assert "BEGIN" not in err


def test_an_output_directory_that_does_not_exist_exits_2_before_any_call(
    sim: OrgSimulator, tmp_path: Path
) -> None:
    assert main(jwt_args(sim, tmp_path / "missing" / "x.json")) == 2
    assert sim.request_log == []
