"""Shared builders for the pipeline tests: AWS resources in moto (table from template.yaml),
a small org snapshot, a Lambda context, and loading the real handler modules."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from sfscan.domain.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"
PREFIX = "sfscan/orgs/"
ORG_ID = "00D000000000001EAA"


def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "sfscan",
        "POWERTOOLS_METRICS_NAMESPACE": "sfscan",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def table_definition() -> dict[str, Any]:
    props = cfn_yaml.load(str(ROOT / "template.yaml"))["Resources"]["FindingsTable"]["Properties"]
    return {
        "KeySchema": [dict(k) for k in props["KeySchema"]],
        "AttributeDefinitions": [dict(a) for a in props["AttributeDefinitions"]],
        "BillingMode": props["BillingMode"],
        "StreamSpecification": {"StreamEnabled": True, **props["StreamSpecification"]},
    }


@dataclass(frozen=True)
class Aws:
    """Resources created in moto for one test."""

    table: str
    queue_url: str
    topic_arn: str
    inbox_url: str  # an SQS queue subscribed to the topic: what an e-mail reader would get


def create_resources(session: Any) -> Aws:
    ddb = session.client("dynamodb")
    ddb.create_table(TableName="findings", **table_definition())
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName="scan")["QueueUrl"]
    inbox_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns = session.client("sns")
    topic_arn = sns.create_topic(Name="findings")["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "false"},
    )
    return Aws(table="findings", queue_url=queue_url, topic_arn=topic_arn, inbox_url=inbox_url)


def read_inbox(session: Any, inbox_url: str) -> list[dict[str, Any]]:
    """SNS envelopes (Subject, Message, MessageAttributes) delivered to the inbox queue."""
    sqs = session.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        resp = sqs.receive_message(QueueUrl=inbox_url, MaxNumberOfMessages=10)
        msgs = resp.get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=inbox_url, ReceiptHandle=m["ReceiptHandle"])


def make_snapshot(etl_ip_relaxation: str = "BYPASS", *, with_etl: bool = True) -> Snapshot:
    """Two connected apps; Acme_ETL bypasses IP restrictions (SF-CA-01 FAILED, HIGH) unless fixed.

    The other rules lack data and are NOT_AVAILABLE (incomplete), as in an org without access.
    """
    apps = [("Mobile", "Mobile", "ENFORCE")]
    if with_etl:
        apps.insert(0, ("Acme_ETL", "Acme ETL", etl_ip_relaxation))
    return Snapshot.model_validate(
        {
            "schema": "sfscan-snapshot/1",
            "captured_at": "2026-11-28T03:00:00Z",
            "org": {"Id": ORG_ID, "Name": "Acme"},
            "sobjects": {
                "ConnectedApplication": [
                    {
                        "Id": f"0H400000000000{i}AAA",
                        "Name": label,
                        "OptionsAllowAdminApprovedUsersOnly": True,
                    }
                    for i, (_, label, _) in enumerate(apps)
                ]
            },
            "metadata": {
                "ConnectedApp": [
                    {
                        "fullName": name,
                        "label": label,
                        "oauthConfig": {"isAdminApproved": True},
                        "oauthPolicy": {"ipRelaxation": relax},
                    }
                    for name, label, relax in apps
                ],
                "SecuritySettings": [
                    {
                        "fullName": "Security",
                        "sessionSettings": {"enforceIpRangesEveryRequest": True},
                    }
                ],
            },
            "collection": {"api_calls": 9, "daily_api_remaining": 14991},
        }
    )


def credentials_json(name: str = "acme") -> dict[str, Any]:
    return {
        "name": name,
        "login_url": "https://acme.my.salesforce.com",
        "auth": {
            "flow": "client_credentials",
            "client_id": "3MVGtest",
            "client_secret": "s3cr3t-value",
        },
    }


@dataclass
class FakeContext:
    function_name: str = "sfscan-fn"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sfscan-fn"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def load_handler(name: str) -> ModuleType:
    """Import functions/<name>/app.py fresh (its config is read at import, like a cold start)."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"sfscan_fn_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Powertools loggers of one service share a handler bound to an earlier test's stdout.
    # (Not setStream(): it flushes the old stream, which pytest may have closed.)
    module.logger.registered_handler.stream = sys.stdout
    module.logger.setLevel("INFO")  # an earlier demo run may have left the shared logger quiet
    return module


def load_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / name).read_text())
