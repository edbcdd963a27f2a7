"""``sfscan scan --format asff`` without the flags: region from the AWS environment, account and
partition from STS (moto), as the AWS CLI and SDKs would find them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws
from sfscan.cli.main import main

DEMO = Path(__file__).resolve().parents[3] / "orgsim" / "orgs" / "demo.json"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    with mock_aws():
        yield


def test_asff_takes_region_from_aws_region_and_account_from_sts(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", "--snapshot", str(DEMO), "--format", "asff", "--fail-on", "none"])
    assert code == 0
    asff = json.loads(capsys.readouterr().out)
    assert {f["AwsAccountId"] for f in asff} == {"123456789012"}  # moto's caller account
    assert all(f["ProductArn"].startswith("arn:aws:securityhub:eu-central-1:") for f in asff)


def test_asff_flags_beat_the_environment(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scan", "--snapshot", str(DEMO), "--format", "asff", "--fail-on", "none"]
    assert main([*argv, "--region", "us-west-2", "--aws-account-id", "210987654321"]) == 0
    asff = json.loads(capsys.readouterr().out)
    assert {f["AwsAccountId"] for f in asff} == {"210987654321"}
    assert {f["ProductArn"].split(":")[3] for f in asff} == {"us-west-2"}


def test_publish_finds_the_region_in_aws_region(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    session = boto3.session.Session(region_name="eu-central-1")
    session.client("dynamodb").create_table(
        TableName="findings",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = session.client("sns").create_topic(Name="findings")["TopicArn"]
    argv = ["publish", "--org", "acme", "--table", "findings", "--topic-arn", topic]
    assert main(argv) == 0
    assert "nothing to do" in capsys.readouterr().out
    # --region beats AWS_REGION: the table is not in us-west-2.
    assert main([*argv, "--region", "us-west-2"]) == 2
    assert "findings" in capsys.readouterr().err
