"""The deployed pipeline, run on this machine: AWS served by moto on loopback, the real Lambda
handlers (functions/*/app.py) called in the order AWS would call them. Used by ``sfscan demo`` and
the end-to-end tests. A development tool: it is not part of the sfscan package or the Lambda layer,
and it reads the handlers from the source checkout it is installed from.

What Lambda would do is done by hand: SQS messages become SQS events (batch size 1, deleted when
the handler reports no failure), the table's stream is read with ``dynamodbstreams`` and handed to
the publish handler, and an e-mail subscriber is an SQS queue subscribed to the topic.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import requests
from sfscan.domain.errors import InputError
from sfscan.pipeline import runtime
from sfscan.store import items

REGION = "us-east-1"
# moto accepts any credentials; these fixed dummies keep real ones from ever being used here.
MOTO_CREDENTIAL = "testing"
ACCOUNT = "123456789012"  # moto's default account
PREFIX = "sfscan/orgs/"
# harness/sfscan_harness/local.py -> the checkout's functions/ (installed editable by the Makefile)
FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


def default_table_definition() -> dict[str, Any]:
    """The table template.yaml declares (a template test keeps the key schema equal)."""
    return {
        "KeySchema": [dict(k) for k in items.KEY_SCHEMA],
        "AttributeDefinitions": [dict(a) for a in items.ATTRIBUTE_DEFINITIONS],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def share_botocore_data() -> None:
    """Let every botocore session in this process read botocore's data files through one loader.

    A new session parses the endpoint and service models again (~1 MB of JSON), and the handlers
    build sessions at each cold start: the demo and the tests run hundreds of cold starts in one
    process. The files read are the same either way; only the parsing is shared.
    """
    if getattr(botocore.session.create_loader, "shared", False):
        return
    loader = functools.cache(botocore.loaders.create_loader)
    loader.shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = loader


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str = ""
    memory_limit_in_mb: int = 512
    aws_request_id: str = "local"

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the duration; restore the previous ones afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def load_handler(name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """Import functions/<name>/app.py afresh: its config is read at import, as at a cold start."""
    path = functions_dir / name / "app.py"
    if not path.is_file():
        raise InputError(f"{path} not found: run this from an sfscan source checkout")
    spec = importlib.util.spec_from_file_location(f"sfscan_local_{name}", path)
    if spec is None or spec.loader is None:
        raise InputError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _log_to_current_stdout(module)
    return module


def _log_to_current_stdout(module: ModuleType) -> None:
    """Powertools loggers of one service share a handler bound to the stdout of the first one
    created, and keep that one's level; a Lambda cold start always gets a fresh logger, so rebind
    the stream and take the level from the environment like a cold start would."""
    logger = getattr(module, "logger", None)
    handler = getattr(logger, "registered_handler", None)
    if isinstance(handler, logging.StreamHandler):
        # Not setStream(): it flushes the old stream, which a finished test may have closed.
        handler.stream = sys.stdout
    if logger is not None:
        logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))


@dataclass
class ScanRun:
    scan_id: str
    orgs: list[str]


@dataclass
class LocalPipeline:
    """One stack's resources in moto at ``endpoint_url`` and the handlers wired to them."""

    endpoint_url: str
    table_definition: dict[str, Any] = field(default_factory=default_table_definition)
    extra_env: dict[str, str] = field(default_factory=dict)
    functions_dir: Path = FUNCTIONS_DIR

    def __post_init__(self) -> None:
        self.session = boto3.session.Session(
            aws_access_key_id=MOTO_CREDENTIAL,
            aws_secret_access_key=MOTO_CREDENTIAL,
            region_name=REGION,
        )
        self._iterators: dict[str, str] = {}

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    # -- resources -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty moto: its servers in one process share one in-memory state."""
        requests.post(self.endpoint_url + "/moto-api/reset", timeout=30).raise_for_status()

    def create_resources(self) -> None:
        self.reset()
        self.table = "sfscan-findings"
        ddb = self.client("dynamodb")
        ddb.create_table(TableName=self.table, **self.table_definition)
        self.stream_arn = ddb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        sqs = self.client("sqs")
        self.scan_queue_url = sqs.create_queue(QueueName="sfscan-scan")["QueueUrl"]
        self.inbox_url = sqs.create_queue(QueueName="sfscan-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=self.inbox_url, AttributeNames=["QueueArn"])
        sns = self.client("sns")
        self.topic_arn = sns.create_topic(Name="sfscan-findings")["TopicArn"]
        sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=inbox_arn["Attributes"]["QueueArn"],
        )
        self.client("securityhub").enable_security_hub()

    def register_org(self, name: str, secret_string: str) -> None:
        self.client("secretsmanager").create_secret(Name=PREFIX + name, SecretString=secret_string)

    def env(self) -> dict[str, str]:
        values = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": MOTO_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": MOTO_CREDENTIAL,
            "AWS_SESSION_TOKEN": MOTO_CREDENTIAL,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_SERVICE_NAME": "sfscan",
            "POWERTOOLS_METRICS_NAMESPACE": "sfscan",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "SFSCAN_TABLE": self.table,
            "SFSCAN_ORG_SECRET_PREFIX": PREFIX,
            "SFSCAN_SCAN_QUEUE_URL": self.scan_queue_url,
            "SFSCAN_TOPIC_ARN": self.topic_arn,
            "SFSCAN_ENABLE_SECURITY_HUB": "true",
        }
        values.update(self.extra_env)
        return values

    # -- the handlers, in order ----------------------------------------------------------------

    def dispatch(self, event: dict[str, Any] | None = None) -> ScanRun:
        with environment(self.env()):
            runtime.reset()
            out = load_handler("dispatch", self.functions_dir).handler(
                event or {}, LambdaContext("sfscan-dispatch")
            )
        return ScanRun(scan_id=out["scan_id"], orgs=list(out["orgs"]))

    def receive_scan_messages(self) -> list[dict[str, Any]]:
        sqs = self.client("sqs")
        messages: list[dict[str, Any]] = []
        while batch := sqs.receive_message(
            QueueUrl=self.scan_queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages"):
            messages.extend(batch)
        return messages

    def run_scans(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One scan invocation per message (BatchSize 1); deleted when it did not fail."""
        sqs = self.client("sqs")
        results = []
        with environment(self.env()):
            handler = load_handler("scan", self.functions_dir).handler
            for message in messages:
                response = handler(sqs_event(message), LambdaContext("sfscan-scan"))
                if not response.get("batchItemFailures"):
                    sqs.delete_message(
                        QueueUrl=self.scan_queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
                results.append(response)
        return results

    def read_stream(self) -> list[dict[str, Any]]:
        """Stream records written since the last read, shaped as Lambda delivers them."""
        streams = self.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while iterator:
                resp = streams.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(lambda_stream_record(r, self.stream_arn) for r in resp["Records"])
                iterator = resp.get("NextShardIterator")
                if not resp["Records"]:
                    break
            if iterator:
                self._iterators[shard_id] = iterator
        return records

    def publish(self, records: list[dict[str, Any]], batch_size: int = 10) -> list[dict[str, Any]]:
        """Hand stream records to the publish handler in batches, as the event source would."""
        out = []
        with environment(self.env()):
            handler = load_handler("publish", self.functions_dir).handler
            for start in range(0, len(records), batch_size):
                event = {"Records": records[start : start + batch_size]}
                out.append(handler(event, LambdaContext("sfscan-publish")))
        return out

    # -- what a person would look at -----------------------------------------------------------

    def inbox(self) -> list[dict[str, Any]]:
        """SNS messages delivered to the e-mail-like subscriber since the last call."""
        sqs = self.client("sqs")
        out = []
        while batch := sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            for message in batch:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.inbox_url, ReceiptHandle=message["ReceiptHandle"])
        return out

    def security_hub_findings(self) -> list[dict[str, Any]]:
        hub = self.client("securityhub")
        found: list[dict[str, Any]] = []
        for page in hub.get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 100}):
            found.extend(page["Findings"])
        return found


def sqs_event(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:sfscan-scan",
                "awsRegion": REGION,
            }
        ]
    }


def lambda_stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A ``dynamodbstreams`` record as Lambda's event source delivers it (JSON-safe)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
