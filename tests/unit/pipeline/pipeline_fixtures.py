"""Shared builders for the pipeline tests: AWS resources in moto (table from template.yaml),
a small org snapshot, a Lambda context, and loading the real handler modules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from sfscan.domain.snapshot import Snapshot
from sfscan.pipeline import runtime
from sfscan.store.dynamodb import FindingsStore
from sfscan_harness.local import load_handler  # the cold-start import the demo and e2e use

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


def load_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / name).read_text())


def scan_event(scan_id: str, org_name: str = "demo") -> dict[str, Any]:
    """An SQS event holding one scan request, as the scan function receives it."""
    body = json.dumps(
        {
            "scan_id": scan_id,
            "org_name": org_name,
            "secret_name": PREFIX + org_name,
            "requested_at": "2026-11-28T03:00:00Z",
        }
    )
    return {
        "Records": [
            {
                "messageId": f"{scan_id}-{org_name}",
                "receiptHandle": "rh",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:scan",
                "awsRegion": REGION,
            }
        ]
    }


class Stream:
    """Reads the findings table's stream (moto) and hands new records over as Lambda would."""

    def __init__(self, session: Any, table: str) -> None:
        # moto (in process) answers only when the endpoint is given explicitly.
        self.client = session.client(
            "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        desc = session.client("dynamodb").describe_table(TableName=table)["Table"]
        self.arn = desc["LatestStreamArn"]
        self.seen: set[str] = set()

    def new_records(self) -> list[dict[str, Any]]:
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        out: list[dict[str, Any]] = []
        for shard in shards:
            iterator = self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                resp = self.client.get_records(ShardIterator=iterator, Limit=1000)
                for r in resp["Records"]:
                    if r["eventID"] not in self.seen:
                        self.seen.add(r["eventID"])
                        out.append(_lambda_record(r, self.arn))
                iterator = resp.get("NextShardIterator") if resp["Records"] else None
        return out

    def event(self) -> dict[str, Any]:
        return {"Records": self.new_records()}


def _lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


ETL = "Acme_ETL"


class World:
    def __init__(self, session: Any, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
        self.session, self.aws = session, aws
        self.stream = Stream(session, aws.table)
        self.store = FindingsStore(session.client("dynamodb"), aws.table)
        # What the org looks like to the next collection, and a hook run inside it.
        self.relax: dict[str, str] = {}
        self.during_collect: dict[str, Callable[[], None]] = {}
        self.snapshot: Snapshot | None = None  # when set, what every collection returns
        self.current: list[str] = []
        monkeypatch.setattr(runtime, "collect_snapshot", self._collect)

    def _collect(self, *_a: Any, **_k: Any) -> Snapshot:
        scan_id = self.current[-1]
        hook = self.during_collect.pop(scan_id, None)
        if hook is not None:
            hook()
        return self.snapshot or make_snapshot(self.relax.get(scan_id, "BYPASS"))

    def set_settings(self, settings: dict[str, Any]) -> None:
        secret = {**credentials_json("demo"), "settings": settings}
        self.session.client("secretsmanager").put_secret_value(
            SecretId=PREFIX + "demo", SecretString=json.dumps(secret)
        )
        runtime.reset()

    def scan(self, scan_id: str) -> dict[str, Any]:
        self.current.append(scan_id)
        try:  # a fresh module: two invocations may overlap, each with its own batch processor
            result: dict[str, Any] = load_handler("scan").handler(
                scan_event(scan_id), FakeContext()
            )
            return result
        finally:
            self.current.pop()

    def publish(self) -> dict[str, Any]:
        result: dict[str, Any] = load_handler("publish").handler(self.stream.event(), FakeContext())
        return result

    def mails(self) -> list[dict[str, Any]]:
        return read_inbox(self.session, self.aws.inbox_url)

    def etl(self) -> Any:
        found = self.store.load_findings("demo").values()
        [tracked] = [t for t in found if t.key.endswith(f"/SF-CA-01/{ETL}")]
        return tracked

    def hub(self) -> list[dict[str, Any]]:
        return self.session.client("securityhub").get_findings()["Findings"]


@contextmanager
def scan_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Aws]]:
    """moto with the stack's resources and a registered org "demo" (its secret), and the scan
    function's table and secret-prefix settings: where every handler test starts."""
    aws_env(monkeypatch)
    runtime.reset()
    with mock_aws():
        session = boto3.session.Session()
        aws = create_resources(session)
        session.client("secretsmanager").create_secret(
            Name=PREFIX + "demo", SecretString=json.dumps(credentials_json("demo"))
        )
        monkeypatch.setenv("SFSCAN_TABLE", aws.table)
        monkeypatch.setenv("SFSCAN_ORG_SECRET_PREFIX", PREFIX)
        yield session, aws


@contextmanager
def handler_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """``scan_world`` plus Security Hub and the dispatch and publish settings; the real handlers
    run with the collector replaced by ``make_snapshot`` (World.relax / World.snapshots)."""
    with scan_world(monkeypatch) as (session, aws):
        session.client("securityhub").enable_security_hub()
        for name, value in {
            "SFSCAN_SCAN_QUEUE_URL": aws.queue_url,
            "SFSCAN_TOPIC_ARN": aws.topic_arn,
            "SFSCAN_ENABLE_SECURITY_HUB": "true",
        }.items():
            monkeypatch.setenv(name, value)
        yield World(session, aws, monkeypatch)
    runtime.reset()
