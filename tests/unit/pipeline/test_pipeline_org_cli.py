"""``sfscan org add|settings|remove|test|list`` against moto: validated secrets in, settings
apart from them with every change recorded, last readiness and scans out, no secret printed."""

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
from sfscan.store.org_settings import OrgSettingsStore

ROOT = Path(__file__).resolve().parents[3]
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


def test_add_from_flags_with_settings_keeps_them_apart_from_the_secret(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"allowed_networks": ["203.0.113.0/24"]}))
    monkeypatch.setenv("SFSCAN_CLIENT_SECRET", "env-secret-value")
    code = main(
        [
            "org", "add", "--name", "globex", "--prefix", "team/orgs/",
            "--login-url", "https://globex.my.salesforce.com", "--client-id", "3MVGglobex",
            "--settings", str(settings), "--table", "findings",
        ]
    )  # fmt: skip
    assert code == 0
    stored = _secret(aws, "team/orgs/globex")
    assert stored["auth"] == {
        "flow": "client_credentials",
        "client_id": "3MVGglobex",
        "client_secret": "env-secret-value",
    }
    assert "settings" not in stored
    kept = OrgSettingsStore(aws.client("dynamodb"), "findings").get("globex")
    assert kept is not None and [str(n) for n in kept.settings.allowed_networks] == [
        "203.0.113.0/24"
    ]
    assert "env-secret-value" not in capsys.readouterr().out


def test_add_with_settings_but_no_table_is_refused_before_storing_anything(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "acme.json"
    path.write_text(json.dumps({**credentials_json("acme"), "settings": {"lookback_days": 7}}))
    assert main(["org", "add", "--name", "acme", "--secret-file", str(path)]) == 2
    assert "--table" in capsys.readouterr().err
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []


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
    assert "not tested" in lines["acme"]
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


def test_aws_region_alone_is_enough(
    aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.client("secretsmanager").create_secret(Name="sfscan/orgs/acme", SecretString="{}")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert main(["org", "list"]) == 0
    assert "acme" in capsys.readouterr().out
    # The flag beats the environment: nothing is registered in another region.
    assert main(["org", "list", "--region", "eu-west-1"]) == 0
    assert "no orgs registered" in capsys.readouterr().out
    monkeypatch.delenv("AWS_REGION")
    assert main(["org", "list"]) == 2
    assert "no AWS region" in capsys.readouterr().err


def test_unknown_profile_is_named(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "list", "--profile", "nope"]) == 2
    assert "'nope'" in capsys.readouterr().err


def test_remove_deletes_the_secret_and_keeps_findings_and_settings(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = aws.client("secretsmanager")
    sm.create_secret(Name="sfscan/orgs/acme", SecretString=json.dumps(credentials_json("acme")))
    store = FindingsStore(aws.client("dynamodb"), "findings")
    store.put_summary(ScanSummary("acme", "s1", T0, T1, open_violations=2))
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"lookback_days": 14}))
    assert (
        main(["org", "settings", "acme", "--settings", str(settings), "--table", "findings"]) == 0
    )
    assert main(["org", "remove", "acme", "--recovery-days", "7"]) == 0
    assert "restore-secret" in capsys.readouterr().out
    assert sm.list_secrets()["SecretList"] == []  # scheduled for deletion: not listed
    assert main(["org", "list", "--table", "findings"]) == 0
    assert "no orgs registered" in capsys.readouterr().out
    assert store.get_summary("acme", "s1") is not None
    assert OrgSettingsStore(aws.client("dynamodb"), "findings").get("acme") is not None
    assert main(["org", "remove", "acme", "--recovery-days", "3"]) == 2


@pytest.fixture
def sim() -> Iterator[Any]:
    from orgsim import Faults, OrgSimulator

    with OrgSimulator(str(ROOT / "orgsim" / "orgs" / "demo.json"), faults=Faults()) as running:
        yield running


def _jwt_secret(sim: Any, client_id: str) -> str:
    return json.dumps(sim.jwt_secret("demo", client_id))


def test_test_logs_in_with_the_stored_secret_and_list_shows_the_result(
    aws: Any, sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = aws.client("secretsmanager")
    sm.create_secret(Name="sfscan/orgs/demo", SecretString=_jwt_secret(sim, sim.client_id))
    sm.create_secret(Name="sfscan/orgs/wrong", SecretString=_jwt_secret(sim, "3MVGnot-the-app"))
    flags = ["--table", "findings", "--ca-bundle", sim.ca_bundle, "--allow-host", "127.0.0.1"]
    assert main(["org", "test", "demo", *flags]) == 0
    out = capsys.readouterr().out
    assert "demo: ready: everything readable" in out and "data sources:" in out
    assert main(["org", "test", "wrong", *flags]) == 3
    assert "wrong: NOT READY: cannot log in" in capsys.readouterr().out
    assert main(["org", "list", "--table", "findings"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert " ready " in lines["demo"]
    assert "NOT READY" in lines["wrong"]
    assert main(["org", "list", "--table", "findings", "--format", "json"]) == 0
    data = {o["org"]: o for o in json.loads(capsys.readouterr().out)}
    assert data["demo"]["readiness"]["ok"] is True and data["wrong"]["readiness"]["ok"] is False


def test_test_names_what_the_scanner_cannot_read(
    aws: Any, sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim import Faults

    aws.client("secretsmanager").create_secret(
        Name="sfscan/orgs/demo", SecretString=_jwt_secret(sim, sim.client_id)
    )
    sim.set_faults(Faults(missing_fields=frozenset({"LoginIpRange.StartAddress"})))
    flags = ["--table", "findings", "--ca-bundle", sim.ca_bundle, "--allow-host", "127.0.0.1"]
    assert main(["org", "test", "demo", *flags]) == 1
    verdict = capsys.readouterr().out.splitlines()[-1]
    assert verdict.startswith("org demo: NOT READY: 1 source(s) not readable: sobject:LoginIpRange")
    assert main(["org", "list", "--table", "findings", "--format", "json"]) == 0
    [org] = json.loads(capsys.readouterr().out)
    assert org["readiness"]["ok"] is False and "LoginIpRange" in org["readiness"]["summary"]


def test_replacing_an_old_secret_moves_its_embedded_settings_to_the_table(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = {**credentials_json("acme"), "settings": {"allowed_networks": ["198.51.100.0/24"]}}
    aws.client("secretsmanager").create_secret(
        Name="sfscan/orgs/acme", SecretString=json.dumps(legacy)
    )
    rotated = tmp_path / "acme.json"  # a new key or secret, no settings: the usual rotation
    rotated.write_text(json.dumps(credentials_json("acme")))
    argv = ["org", "add", "--name", "acme", "--secret-file", str(rotated)]
    assert main(argv) == 2  # they would be lost without a table to move them to
    assert "--table" in capsys.readouterr().err
    assert "settings" in _secret(aws, "sfscan/orgs/acme")  # nothing changed
    assert main([*argv, "--table", "findings"]) == 0
    assert "settings" not in _secret(aws, "sfscan/orgs/acme")
    store = OrgSettingsStore(aws.client("dynamodb"), "findings")
    kept = store.get("acme")
    assert kept is not None and [str(n) for n in kept.settings.allowed_networks] == [
        "198.51.100.0/24"
    ]
    [change] = store.history("acme")
    assert change.note == "moved out of the secret by sfscan org add"
    # Registering again changes nothing in the table: it already holds the settings.
    assert main([*argv, "--table", "findings"]) == 0
    assert len(store.history("acme")) == 1


STACK_TEMPLATE = {
    "Resources": {
        "FindingsTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
            },
        }
    },
    "Outputs": {"FindingsTableName": {"Value": {"Ref": "FindingsTable"}}},
}


def test_stack_names_the_table(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    aws.client("cloudformation").create_stack(
        StackName="sfscan", TemplateBody=json.dumps(STACK_TEMPLATE)
    )
    aws.client("secretsmanager").create_secret(Name="sfscan/orgs/acme", SecretString="{}")
    assert main(["org", "list", "--stack", "sfscan", "--format", "json"]) == 0
    [org] = json.loads(capsys.readouterr().out)
    assert org["org"] == "acme" and org["last_scan"] is None  # read from the stack's table
    assert main(["org", "list", "--stack", "nope"]) == 2
    assert "--stack nope" in capsys.readouterr().err


def test_add_stores_the_secret_under_the_key_given(aws: Any, tmp_path: Path) -> None:
    """With --kms-key-id the org's secret is created, or its new version written, under that
    customer-managed key (the one the stack's OrgSecretsKmsKeyArn names); without it an existing
    secret keeps its key."""
    kms = aws.client("kms")
    first = kms.create_key()["KeyMetadata"]["Arn"]
    second = kms.create_key()["KeyMetadata"]["Arn"]
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(credentials_json("whatever")))
    sm = aws.client("secretsmanager")

    def key() -> str:
        return str(sm.describe_secret(SecretId="sfscan/orgs/acme").get("KmsKeyId"))

    add = ["org", "add", "--name", "acme", "--secret-file", str(path)]
    assert main([*add, "--kms-key-id", first]) == 0
    assert key() == first
    assert main(add) == 0  # a new version (e.g. a rotated key file) keeps the secret's key
    assert key() == first
    assert main([*add, "--kms-key-id", second]) == 0
    assert key() == second
    assert _secret(aws, "sfscan/orgs/acme")["auth"]["client_secret"] == "s3cr3t-value"
