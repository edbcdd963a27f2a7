"""What storing and publishing a scan costs on AWS: DynamoDB calls and write units, SNS publishes
and Security Hub calls of a first and an unchanged second scan of the demo org.

The real scan and publish handlers (functions/*/app.py, loaded afresh like a cold start: the
scans are a day apart) run against moto in this process, the way the deployed stack calls them:
one SQS message for the scan, then the table stream's records for publishing. The collection is
the demo org's snapshot (orgsim/orgs/demo.json, with demo.settings.json in the org's secret);
the second scan sees the same org a day later (every date moved by a day, ``orgsim.timeshift``).
Calls are counted on every botocore client the handlers build, write units computed from the
items as DynamoDB bills them (``sfscan_harness.capacity``). Floors: bench/README.md.

The floors leave out two writes sfscan keeps on purpose, which are counted apart (``Safety``):
the org's claim (an UpdateItem before the findings are read, and a ConditionCheck in each
findings transaction; it keeps overlapping scans in order) and ``notified_at`` written on its own
right after an e-mail, before Security Hub (so a Security Hub failure never sends it twice).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sfscan_harness.capacity import AwsMeter

from bench.pipeline_floors import ScanCost, rows

ROOT = Path(__file__).resolve().parents[1]
ORG = "acme"
PREFIX = "sfscan/orgs/"
TABLE = "sfscan-findings"
REGION = "us-east-1"
SCANS = ("first scan", "unchanged second scan")


@dataclass
class Safety:
    """The writes the floors leave out, seen in each call's parameters (botocore's
    ``before-parameter-build``, once per call like the meter's count): ``claim`` UpdateItems,
    ``claim_checks`` (ConditionChecks of the claim in findings transactions) and
    ``marker_writes`` (UpdateItems of a scan record: the publish markers)."""

    counts: Counter[str] = field(default_factory=Counter)
    counting: bool = False

    def handlers(self) -> list[tuple[str, Any]]:
        return [
            ("before-parameter-build.dynamodb.UpdateItem", self._update),
            ("before-parameter-build.dynamodb.TransactWriteItems", self._transact),
        ]

    def _update(self, params: dict[str, Any], **_: Any) -> None:
        from sfscan.store import items

        sort_key = params["Key"]["sk"]["S"]
        if self.counting and sort_key == items.CLAIM_SK:
            self.counts["claim"] += 1
        elif self.counting and sort_key.startswith(items.SCAN_PREFIX):
            self.counts["marker_writes"] += 1

    def _transact(self, params: dict[str, Any], **_: Any) -> None:
        if self.counting:
            self.counts["claim_checks"] += sum(
                1 for a in params["TransactItems"] if "ConditionCheck" in a
            )

    @contextmanager
    def installed(self) -> Iterator[Safety]:
        import botocore.handlers

        botocore.handlers.BUILTIN_HANDLERS.extend(self.handlers())
        try:
            yield self
        finally:
            for handler in self.handlers():
                botocore.handlers.BUILTIN_HANDLERS.remove(handler)


def _environment(aws: Any) -> dict[str, str]:
    return {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "sfscan",
        "POWERTOOLS_METRICS_NAMESPACE": "sfscan",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "SFSCAN_TABLE": TABLE,
        "SFSCAN_ORG_SECRET_PREFIX": PREFIX,
        "SFSCAN_SCAN_QUEUE_URL": aws["queue_url"],
        "SFSCAN_TOPIC_ARN": aws["topic_arn"],
        "SFSCAN_ENABLE_SECURITY_HUB": "true",
    }


def _create_stack(session: Any) -> dict[str, str]:
    from sfscan_harness.local import default_table_definition

    ddb = session.client("dynamodb")
    ddb.create_table(TableName=TABLE, **default_table_definition())
    queue_url = session.client("sqs").create_queue(QueueName="sfscan-scan")["QueueUrl"]
    topic_arn = session.client("sns").create_topic(Name="sfscan-findings")["TopicArn"]
    session.client("securityhub").enable_security_hub()
    settings = json.loads((ROOT / "orgsim/orgs/demo.settings.json").read_text())
    secret = {
        "name": ORG,
        "login_url": "https://acme.my.salesforce.com",
        "auth": {"flow": "client_credentials", "client_id": "bench", "client_secret": "bench"},
        "settings": settings,
    }
    session.client("secretsmanager").create_secret(
        Name=PREFIX + ORG, SecretString=json.dumps(secret)
    )
    stream_arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    return {"queue_url": queue_url, "topic_arn": topic_arn, "stream_arn": stream_arn}


@contextmanager
def _moto_stack() -> Iterator[tuple[Any, dict[str, str]]]:
    """moto in this process with the stack's table, queue, topic, Security Hub and the org's
    secret; the environment the functions read, restored afterwards."""
    import boto3
    from moto import mock_aws
    from sfscan.pipeline import runtime
    from sfscan_harness.local import environment

    endpoint = os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in process, not a server
    try:
        with mock_aws():
            with environment(_environment({"queue_url": "", "topic_arn": ""})):
                session = boto3.session.Session()
                aws = _create_stack(session)
            with environment(_environment(aws)):
                yield session, aws
    finally:
        runtime.reset()  # no client of this moto outlives it
        if endpoint is not None:
            os.environ["AWS_ENDPOINT_URL"] = endpoint


def _demo_snapshots() -> list[Any]:
    from sfscan.domain.snapshot import Snapshot

    from orgsim.timeshift import rebase

    demo = Snapshot.model_validate(json.loads((ROOT / "orgsim/orgs/demo.json").read_text()))
    return [demo, rebase(demo, demo.captured_at + timedelta(days=1))]


def _scan_event(scan_id: str, snapshot: Any) -> dict[str, Any]:
    from sfscan_harness.local import sqs_event

    body = {
        "scan_id": scan_id,
        "org_name": ORG,
        "secret_name": PREFIX + ORG,
        "requested_at": snapshot.captured_at.isoformat().replace("+00:00", "Z"),
    }
    message = {"MessageId": scan_id, "ReceiptHandle": "rh", "Body": json.dumps(body)}
    return sqs_event(message)


def _stream_records(session: Any, stream_arn: str, seen: set[str]) -> list[dict[str, Any]]:
    """Stream records not handed over yet, as Lambda's event source delivers them."""
    from sfscan_harness.local import lambda_stream_record

    # moto in this process answers the streams API only at an explicit endpoint.
    streams = session.client(
        "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    out: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            resp = streams.get_records(ShardIterator=iterator, Limit=1000)
            fresh = [r for r in resp["Records"] if r["eventID"] not in seen]
            seen.update(r["eventID"] for r in fresh)
            out.extend(lambda_stream_record(r, stream_arn) for r in fresh)
            iterator = resp.get("NextShardIterator") if resp["Records"] else None
    return out


def _invoke(name: str, event: dict[str, Any]) -> None:
    """One cold start of the function and one invocation; a reported failure stops the bench."""
    from sfscan.pipeline import runtime
    from sfscan_harness.local import LambdaContext, load_handler

    runtime.reset()
    response = load_handler(name).handler(event, LambdaContext(f"sfscan-{name}"))
    if response.get("batchItemFailures"):
        raise RuntimeError(f"the {name} function failed: {response}; see its log above")


def _run_scan(
    snapshot: Any,
    scan_id: str,
    session: Any,
    aws: dict[str, str],
    seen: set[str],
    meters: tuple[AwsMeter, Safety],
) -> None:
    """The scan function on one SQS message, then the publish function on the stream's new
    records; only the functions' own calls are counted."""
    from sfscan.pipeline import runtime

    original = runtime.collect_snapshot
    runtime.collect_snapshot = lambda *_a, **_k: snapshot  # type: ignore[assignment]
    try:
        _counting(meters, True)
        _invoke("scan", _scan_event(scan_id, snapshot))
        _counting(meters, False)
        records = _stream_records(session, aws["stream_arn"], seen)
        _counting(meters, True)
        for start in range(0, len(records), 10):  # the event source's BatchSize
            _invoke("publish", {"Records": records[start : start + 10]})
    finally:
        _counting(meters, False)
        runtime.collect_snapshot = original  # type: ignore[assignment]


def _counting(meters: tuple[AwsMeter, Safety], on: bool) -> None:
    for meter in meters:
        meter.counting = on


def _judgements(snapshot: Any) -> dict[str, tuple[str, str, str, bool]]:
    """Each finding's judgement, by its table sort key, evaluated apart from the pipeline."""
    from sfscan.domain.settings import parse_settings
    from sfscan.engine import evaluate
    from sfscan.store import items

    settings = parse_settings(json.loads((ROOT / "orgsim/orgs/demo.settings.json").read_text()))
    return {
        items.finding_sk(f.rule_id, f.resource_id): (f.status, f.severity, f.detail, f.suppressed)
        for f in evaluate(snapshot, settings).findings
    }


def _facts(cost: ScanCost, session: Any, changed: set[str]) -> None:
    """What the table holds after the scan: the sizes its floors are made of."""
    from sfscan.store import items
    from sfscan.store.dynamodb import FindingsStore
    from sfscan_harness.capacity import item_size

    ddb = session.client("dynamodb")
    raw = ddb.scan(TableName=TABLE)["Items"]  # one page: the demo org's items are ~100 KB
    finds = [i for i in raw if i["sk"]["S"].startswith(items.FINDING_PREFIX)]
    cost.findings = len(finds)
    cost.finding_sizes = [item_size(i) for i in finds]
    cost.written_findings = [item_size(i) for i in finds if i["scan_id"]["S"] == cost.scan_id]
    cost.changed_findings = [item_size(i) for i in finds if i["sk"]["S"] in changed]
    size = {(i["pk"]["S"], i["sk"]["S"]): item_size(i) for i in raw}
    cost.record_sizes = [
        size[(items.org_pk(ORG), items.scan_sk(cost.scan_id))],
        size[(items.LATEST_PK, items.ORG_PREFIX + ORG)],
    ]
    store = FindingsStore(ddb, TABLE)
    cost.open_violations = len(store.open_findings(ORG))
    summary = store.get_summary(ORG, cost.scan_id)
    assert summary is not None and summary.published_at is not None, "scan not published"
    cost.notified_changes = summary.opened + summary.resolved


def measure() -> list[ScanCost]:
    """The first and the unchanged second scan of the demo org, each scanned and published."""
    costs: list[ScanCost] = []
    seen: set[str] = set()
    with _moto_stack() as (session, aws):
        meter, safety = AwsMeter(counting=False), Safety()
        with meter.installed(), safety.installed():
            before: dict[str, Any] = {}
            for label, snapshot in zip(SCANS, _demo_snapshots(), strict=True):
                scan_id = f"{snapshot.captured_at:%Y%m%dT%H%M%SZ}-00bench0"
                meter.reset()
                safety.counts.clear()
                _run_scan(snapshot, scan_id, session, aws, seen, (meter, safety))
                cost = ScanCost(label, scan_id, dict(meter.calls), meter.writes, meter.units)
                cost.safety = Counter(safety.counts)
                now = _judgements(snapshot)
                _facts(cost, session, {k for k, v in now.items() if before.get(k) != v})
                costs.append(cost)
                before = now
    return costs


def run() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for cost in measure():
        for row in rows(cost):
            print(
                f"  pipeline  {row['measurement'][len('pipeline, demo org ') :]}: "
                f"{row['value']} (floor {row['floor']})"
            )
            out.append(row)
    return out
