"""Credential flags: explicit flow, environment fallbacks, conflicts named."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from collect_keys import private_key_pem
from sfscan.cli.live import add_live_arguments, credentials_from_args, host_policy_from_args
from sfscan.domain.errors import InputError

ENV = (
    "SFSCAN_LOGIN_URL",
    "SFSCAN_CLIENT_ID",
    "SFSCAN_USERNAME",
    "SFSCAN_PRIVATE_KEY_FILE",
    "SFSCAN_CLIENT_SECRET",
    "SFSCAN_ALLOWED_HOSTS",
    "SFSCAN_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_live_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "key.pem"
    path.write_text(private_key_pem())
    return str(path)


BASE = ("--login-url", "https://acme.my.salesforce.com", "--client-id", "3MVG9")


def test_key_file_and_username_mean_jwt(key_file: str) -> None:
    creds = credentials_from_args(
        parse(*BASE, "--username", "u@acme", "--private-key-file", key_file)
    )
    assert creds.flow == "jwt" and creds.name == "acme.my.salesforce.com"


def test_client_secret_means_client_credentials() -> None:
    creds = credentials_from_args(parse(*BASE, "--client-secret", "shh", "--api-version", "61.0"))
    assert creds.flow == "client_credentials" and creds.api_version == "61.0"


def test_both_flows_are_refused_naming_the_flags(key_file: str) -> None:
    args = parse(*BASE, "--username", "u", "--private-key-file", key_file, "--client-secret", "s")
    with pytest.raises(InputError, match=r"--private-key-file.*--client-secret"):
        credentials_from_args(args)


def test_no_flow_is_refused_naming_the_flags() -> None:
    with pytest.raises(InputError, match=r"--private-key-file and --username.*--client-secret"):
        credentials_from_args(parse(*BASE))


def test_a_key_without_username_is_refused(key_file: str) -> None:
    with pytest.raises(InputError, match="--username"):
        credentials_from_args(parse(*BASE, "--private-key-file", key_file))


def test_missing_login_url_names_flag_and_variable() -> None:
    with pytest.raises(InputError, match=r"--login-url \(or SFSCAN_LOGIN_URL\)"):
        credentials_from_args(parse("--client-id", "x", "--client-secret", "s"))


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch, key_file: str) -> None:
    monkeypatch.setenv("SFSCAN_LOGIN_URL", "https://login.salesforce.com")
    monkeypatch.setenv("SFSCAN_CLIENT_ID", "3MVG9env")
    monkeypatch.setenv("SFSCAN_USERNAME", "env@acme")
    monkeypatch.setenv("SFSCAN_PRIVATE_KEY_FILE", key_file)
    monkeypatch.setenv("SFSCAN_ALLOWED_HOSTS", "127.0.0.1:8443")
    args = parse("--allow-host", "sim.internal")
    creds = credentials_from_args(args)
    assert (creds.login_url, creds.auth.client_id, creds.flow) == (
        "https://login.salesforce.com",
        "3MVG9env",
        "jwt",
    )
    assert host_policy_from_args(args).extra_allowed == ("sim.internal", "127.0.0.1:8443")


def test_unreadable_key_file_names_the_flag(tmp_path: Path) -> None:
    args = parse(*BASE, "--username", "u", "--private-key-file", str(tmp_path / "nope.pem"))
    with pytest.raises(InputError, match="--private-key-file: cannot read"):
        credentials_from_args(args)


def test_secret_file_with_settings(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(
        json.dumps(
            {
                "name": "acme",
                "login_url": "https://acme.my.salesforce.com",
                "auth": {"flow": "client_credentials", "client_id": "x", "client_secret": "s"},
                "settings": {"lookback_days": 7},
            }
        )
    )
    creds = credentials_from_args(parse("--secret-file", str(secret)))
    assert creds.settings is not None and creds.settings.lookback_days == 7


def test_secret_file_and_credential_flags_conflict(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="also given: --client-id"):
        credentials_from_args(parse("--secret-file", str(tmp_path / "s.json"), "--client-id", "x"))


def test_secret_file_errors_name_file_and_field(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(
        json.dumps(
            {
                "name": "a",
                "login_url": "https://a.my.salesforce.com",
                "auth": {"flow": "jwt", "client_id": "x", "username": "u", "private_key": "oops"},
            }
        )
    )
    with pytest.raises(InputError, match=r"secret.json: auth.private_key"):
        credentials_from_args(parse("--secret-file", str(secret)))
    secret.write_text("{not json")
    with pytest.raises(InputError, match="not JSON"):
        credentials_from_args(parse("--secret-file", str(secret)))


def test_bad_api_version_is_refused() -> None:
    with pytest.raises(InputError, match="--api-version"):
        credentials_from_args(parse(*BASE, "--client-secret", "s", "--api-version", "v62"))


def test_an_api_version_flag_older_than_60_is_refused_naming_the_flag() -> None:
    with pytest.raises(InputError, match=r"--api-version: .*59\.0 is older than 60\.0"):
        credentials_from_args(parse(*BASE, "--client-secret", "s", "--api-version", "59.0"))
