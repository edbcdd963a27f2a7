"""``sfscan org settings`` on moto: settings change without access to the org's secret, each
change is recorded (when, who, old, new), bad settings are refused, and the real scan handler
uses what was stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from pipeline_fixtures import (
    PREFIX,
    FakeContext,
    credentials_json,
    load_event,
    load_handler,
    make_snapshot,
    scan_world,
)
from sfscan.cli.main import main
from sfscan.collect.credentials import OrgCredentials
from sfscan.domain.snapshot import Snapshot
from sfscan.pipeline import runtime
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.org_settings import OrgSettingsStore

SCAN_ID = "20261128T030000Z-6f1c2a3b"  # events/scan.json

# What a security analyst who may accept risks, but not read org keys, is given.
SETTINGS_EDITOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                # AWS authorizes each write of a transaction as PutItem; moto asks for this name.
                "dynamodb:TransactWriteItems",
            ],
            "Resource": "*",
        },
        {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
    ],
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with scan_world(monkeypatch) as (session, _):
        yield session
    runtime.reset()


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def as_settings_editor(session: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Switch to an IAM user who can edit settings but not read secrets; moto enforces IAM."""
    iam = session.client("iam")
    iam.create_user(UserName="analyst")
    iam.put_user_policy(
        UserName="analyst",
        PolicyName="sfscan-settings",
        PolicyDocument=json.dumps(SETTINGS_EDITOR_POLICY),
    )
    key = iam.create_access_key(UserName="analyst")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)
    return "arn:aws:iam::123456789012:user/analyst"


def run_scan_handler(
    monkeypatch: pytest.MonkeyPatch, scan_id: str = SCAN_ID
) -> list[OrgCredentials]:
    """The real scan handler on events/scan.json; the credentials it collected with."""
    seen: list[OrgCredentials] = []

    def collect(credentials: OrgCredentials, **_: Any) -> Snapshot:
        seen.append(credentials)
        return make_snapshot("BYPASS")

    monkeypatch.setattr(runtime, "collect_snapshot", collect)
    event = load_event("scan.json")
    body = json.loads(event["Records"][0]["body"])
    event["Records"][0]["body"] = json.dumps({**body, "scan_id": scan_id})
    runtime.reset()
    out = load_handler("scan").handler(event, FakeContext())
    assert out == {"batchItemFailures": []}
    return seen


def test_settings_change_without_the_key_and_the_next_scan_uses_them(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accept = {
        "lookback_days": 14,
        "suppressions": [
            {
                "rule_id": "SF-CA-01",
                "resource_id": "Acme_ETL",
                "reason": "vendor app, IP relaxation accepted until the migration (RISK-42)",
                "expires": "2027-03-31T23:59:59Z",
            }
        ],
    }
    analyst = as_settings_editor(aws, monkeypatch)
    assert main(["org", "settings", "demo", "--settings", write(tmp_path, "s.json", accept)]) == 0
    assert analyst in capsys.readouterr().out
    # The same identity cannot read the org's credentials.
    with pytest.raises(aws.client("secretsmanager").exceptions.ClientError, match="AccessDenied"):
        boto3.session.Session().client("secretsmanager").get_secret_value(SecretId=PREFIX + "demo")

    # The scan function (its own credentials) picks the settings up from the table.
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
    [collected_with] = run_scan_handler(monkeypatch)
    assert collected_with.settings is not None and collected_with.settings.lookback_days == 14
    findings = FindingsStore(aws.client("dynamodb"), "findings").load_findings("demo")
    [etl] = [
        t
        for t in findings.values()
        if t.finding.resource_id == "Acme_ETL" and t.finding.rule_id == "SF-CA-01"
    ]
    assert etl.finding.status.value == "FAILED" and etl.finding.suppressed
    summary = FindingsStore(aws.client("dynamodb"), "findings").get_summary("demo", SCAN_ID)
    assert summary is not None and summary.opened == 0  # an accepted risk is not announced


def test_every_change_is_recorded_with_who_when_old_and_new(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path, "1.json", {"allowed_networks": ["203.0.113.0/24"]})
    second = write(tmp_path, "2.json", {"allowed_networks": ["203.0.113.0/24", "2001:db8::/32"]})
    assert main(["org", "settings", "demo", "--settings", first]) == 0
    assert main(["org", "settings", "demo", "--settings", second]) == 0
    assert "changed: allowed_networks" in capsys.readouterr().out
    assert main(["org", "settings", "demo", "--history"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [h["version"] for h in history] == [1, 2]
    assert history[0]["old"] is None
    assert history[1]["old"]["allowed_networks"] == ["203.0.113.0/24"]
    assert history[1]["new"]["allowed_networks"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert history[1]["changed"] == ["allowed_networks"]
    assert all(h["changed_by"].startswith("arn:aws:") and h["changed_at"] for h in history)

    assert main(["org", "settings", "demo"]) == 0
    shown = capsys.readouterr()
    assert json.loads(shown.out)["allowed_networks"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert "version 2" in shown.err


def test_invalid_settings_are_refused_naming_the_field_and_nothing_changes(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.json", {"lookback_days": 10})
    assert main(["org", "settings", "demo", "--settings", good]) == 0
    bad = write(tmp_path, "bad.json", {"allowed_networks": ["10.0.0.1/8"], "lookback_days": 10})
    assert main(["org", "settings", "demo", "--settings", bad]) == 2
    err = capsys.readouterr().err
    assert "allowed_networks" in err and "10.0.0.0/8" in err  # names the field, suggests a fix
    store = OrgSettingsStore(aws.client("dynamodb"), "findings")
    assert len(store.history("demo")) == 1


def test_settings_of_an_unregistered_org_are_refused(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "s.json", {"lookback_days": 10})
    assert main(["org", "settings", "demmo", "--settings", path]) == 2
    assert "no org registered as sfscan/orgs/demmo" in capsys.readouterr().err


def test_a_concurrent_change_loses_instead_of_overwriting(aws: Any, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sfscan.domain.settings import Settings
    from sfscan.store.dynamodb import StoreError

    store = OrgSettingsStore(aws.client("dynamodb"), "findings")
    now = datetime(2026, 11, 28, tzinfo=UTC)
    store.put("demo", Settings(lookback_days=10), changed_by="a", now=now)
    stale = store.get("demo")
    store.put("demo", Settings(lookback_days=11), changed_by="b", now=now)
    store.get = lambda _name: stale  # type: ignore[method-assign]  # what a slower editor read
    with pytest.raises(StoreError, match="changed by someone else"):
        store.put("demo", Settings(lookback_days=12), changed_by="c", now=now)
    history = OrgSettingsStore(aws.client("dynamodb"), "findings").history("demo")
    assert [c.changed_by for c in history] == ["a", "b"]


def test_legacy_secret_with_embedded_settings_still_applies_until_settings_are_stored(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy = {**credentials_json("demo"), "settings": {"lookback_days": 21}}
    aws.client("secretsmanager").put_secret_value(
        SecretId=PREFIX + "demo", SecretString=json.dumps(legacy)
    )
    [first] = run_scan_handler(monkeypatch)
    assert first.settings is not None and first.settings.lookback_days == 21
    path = write(tmp_path, "s.json", {"lookback_days": 7})
    assert main(["org", "settings", "demo", "--settings", path]) == 0
    [second] = run_scan_handler(monkeypatch, "20261129T030000Z-00000001")
    assert second.settings is not None and second.settings.lookback_days == 7
