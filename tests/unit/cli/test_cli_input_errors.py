"""Every way an input file can be wrong is exit 2 naming the file (and the field); an error
sfscan did not expect is exit 4 with one line (traceback only with --debug), never exit 1."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest
from sfscan.cli import scan as scan_command
from sfscan.cli.exit_codes import BAD_INPUT, INTERNAL_ERROR
from sfscan.cli.main import main

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
SETTINGS_TEXT = DEMO_SETTINGS.read_text(encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["scan", "--format", "json", *args])
    return code, capsys.readouterr().err


def _settings_file(tmp_path: Path, raw: bytes) -> str:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    return str(path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the settings file is empty"),
        (b"  \n", "the settings file is empty"),
        (b"null", "the settings must be a JSON object, not null (use {} for the defaults)"),
        (b"[]", "the settings must be a JSON object, not list"),
        (b"42", "the settings must be a JSON object, not int"),
        (codecs.BOM_UTF16_LE + SETTINGS_TEXT.encode("utf-16-le"), "UTF-16 or UTF-32"),
        (SETTINGS_TEXT.encode("utf-16-le"), "UTF-16 or UTF-32"),
        (b'{"allowed_networks": ["caf\xe9"]}', "not UTF-8 (byte 0xe9 at offset 26)"),
        (b"[" * 5000 + b"]" * 5000, "nested"),
        (b'{"a": ' * 70 + b"1" + b"}" * 70, "nested more than 64 levels deep"),
        (b'{"lookback_days": 7, "lookback_days": 30}', "key 'lookback_days' appears twice"),
        (b'{"lookback_days": NaN}', "NaN is not a JSON value"),
        (b'{"lookback_days": 7', "not JSON (line 1"),
    ],
)
def test_a_malformed_settings_file_is_bad_input_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes, expected: str
) -> None:
    path = _settings_file(tmp_path, raw)
    code, err = run(capsys, "--snapshot", str(DEMO), "--settings", path)
    assert code == BAD_INPUT
    assert path in err and expected in err
    assert "Traceback" not in err


def test_a_utf8_byte_order_mark_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _settings_file(tmp_path, codecs.BOM_UTF8 + SETTINGS_TEXT.encode("utf-8"))
    code, _ = run(capsys, "--snapshot", str(DEMO), "--settings", path, "--fail-on", "none")
    assert code == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the snapshot file is empty"),
        (b"null", "the snapshot must be a JSON object, not null"),
        (DEMO.read_text(encoding="utf-8").encode("utf-16"), "UTF-16 or UTF-32"),
        (b"\xff\xfe\x00", "UTF-16 or UTF-32"),
        (b'{"schema": "sfscan-snapshot/1", "schema": "x"}', "key 'schema' appears twice"),
    ],
)
def test_a_malformed_snapshot_file_is_bad_input_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes, expected: str
) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(raw)
    code, err = run(capsys, "--snapshot", str(path), "--settings", str(DEMO_SETTINGS))
    assert code == BAD_INPUT
    assert str(path) in err and expected in err


def test_a_secret_file_holding_null_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "secret.json"
    path.write_text("null", encoding="utf-8")
    code, err = run(capsys, "--secret-file", str(path))
    assert code == BAD_INPUT
    assert f"--secret-file: {path}: the secret must be a JSON object, not null" in err


def _explode(*_: Any, **__: Any) -> Any:
    raise ZeroDivisionError("division by zero in a rule\nsecond line")


def test_an_unexpected_error_is_exit_4_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_command, "evaluate", _explode)
    code, err = run(capsys, "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS))
    assert code == INTERNAL_ERROR
    assert err.strip().splitlines()[-1] == (
        "sfscan: internal error (ZeroDivisionError: division by zero in a rule); run again "
        "with --debug for the traceback; please report it"
    )
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(scan_command, "evaluate", _explode)
    args = ["scan", "--snapshot", str(DEMO), "--settings", str(DEMO_SETTINGS)]
    argv = ["--debug", *args] if where == "before" else [*args, "--debug"]
    assert main(argv) == INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "_explode" in err


def test_timeout_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan", "--timeout", "0"])
    assert info.value.code == BAD_INPUT
    assert "--timeout" in capsys.readouterr().err
