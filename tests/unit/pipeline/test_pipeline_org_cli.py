"""``sfscan org add|list`` against moto: validated secrets in, last scans out, no secret printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_fixtures import aws_env, create_resources, credentials_json
from sfscan.cli.main import main
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.items import ScanSummary

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 28, 3, 0, 9, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    aws_env(monkeypatch)
    for name in ("SFSCAN_CLIENT_SECRET", "SFSCAN_LOGIN_URL", "SFSCAN_CLIENT_ID", "SFSCAN_TABLE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        session = boto3.session.Session()
        create_resources(session)
        yield session


def _secret(session: Any, name: str) -> dict[str, Any]:
    value = session.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    return dict(json.loads(value))


def test_add_from_a_secret_file_then_update(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(credentials_json("whatever")))
    assert main(["org", "add", "--name", "acme", "--secret-file", str(path)]) == 0
    stored = _secret(aws, "sfscan/orgs/acme")
    assert stored["name"] == "acme" and stored["auth"]["client_secret"] == "s3cr3t-value"
    assert main(["org", "add", "--name", "acme", "--secret-file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "new secret" in out and "new version" in out and "s3cr3t-value" not in out
    versions = aws.client("secretsmanager").list_secret_version_ids(SecretId="sfscan/orgs/acme")
    assert len(versions["Versions"]) == 2


def test_add_from_flags_with_settings(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"allowed_networks": ["203.0.113.0/24"]}))
    monkeypatch.setenv("SFSCAN_CLIENT_SECRET", "env-secret-value")
    code = main(
        [
            "org", "add", "--name", "globex", "--prefix", "team/orgs/",
            "--login-url", "https://globex.my.salesforce.com", "--client-id", "3MVGglobex",
            "--settings", str(settings),
        ]
    )  # fmt: skip
    assert code == 0
    stored = _secret(aws, "team/orgs/globex")
    assert stored["auth"] == {
        "flow": "client_credentials",
        "client_id": "3MVGglobex",
        "client_secret": "env-secret-value",
    }
    assert stored["settings"]["allowed_networks"] == ["203.0.113.0/24"]
    assert "env-secret-value" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--name", "bad name!"], "--name"),
        (["--name", "acme", "--login-url", "http://acme.example.com", "--client-id", "x",
          "--client-secret", "y"], "login_url"),
        (["--name", "acme", "--login-url", "https://acme.my.salesforce.com"], "no credentials"),
    ],
)  # fmt: skip
def test_invalid_input_is_refused_and_nothing_stored(
    aws: Any, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "add", *argv]) == 2
    assert says in capsys.readouterr().err
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []


def test_list_shows_each_org_with_its_last_scan(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = aws.client("secretsmanager")
    for name in ("acme", "broken", "fresh"):
        sm.create_secret(Name=f"sfscan/orgs/{name}", SecretString="{}")
    store = FindingsStore(aws.client("dynamodb"), "findings")
    store.put_summary(
        ScanSummary(
            "acme", "s1", T0, T1, failed_by_severity={"CRITICAL": 1, "HIGH": 3},
            open_violations=4, opened=4, api_calls=22,
        )
    )  # fmt: skip
    store.put_summary(ScanSummary("broken", "s1", T0, T1, error="secret is not valid JSON"))
    assert main(["org", "list", "--table", "findings"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "2026-11-28 03:00 UTC" in lines["acme"] and "1/3/0/0" in lines["acme"]
    assert "22 API calls" in lines["acme"]
    assert "ERROR" in lines["broken"] and "secret is not valid JSON" in lines["broken"]
    assert "never scanned" in lines["fresh"]

    assert main(["org", "list", "--table", "findings", "--format", "json"]) == 0
    data = {o["org"]: o for o in json.loads(capsys.readouterr().out)}
    assert data["acme"]["last_scan"]["open_violations"] == 4
    assert data["fresh"]["last_scan"] is None


def test_list_without_table_names_orgs_and_says_how_to_see_scans(
    aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.client("secretsmanager").create_secret(Name="sfscan/orgs/acme", SecretString="{}")
    assert main(["org", "list"]) == 0
    captured = capsys.readouterr()
    assert "acme" in captured.out and "--table" in captured.err
