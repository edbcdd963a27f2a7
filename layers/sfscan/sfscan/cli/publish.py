"""``sfscan publish``: publish an org's stored scan results by hand, or redrive the publish
function's failure queue.

The publish function normally does this from the table's stream, and the next publish of an org
also sends whatever an earlier failed one did not. This command runs the same use case when you
do not want to wait for the next scan: after fixing a broken SNS topic key or enabling Security
Hub, or to empty the failure queue. It never sends a change twice: a scan already published is
skipped (its ``published_at`` marker is set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.cli import aws
from sfscan.cli.exit_codes import OK
from sfscan.domain.errors import InputError
from sfscan.pipeline.publish import (
    AwsLocation,
    PublishDeps,
    PublishReport,
    publish_scan,
    summary_from_stream_record,
)

EPILOG = """\
examples:
  sfscan publish --org acme-prod --table sfscan-FindingsTable-ABC --topic-arn arn:aws:sns:...
  sfscan publish --org acme-prod --scan-id 20261128T030000Z-6f1c2a3b ...
  sfscan publish --failure-queue https://sqs.eu-west-1.amazonaws.com/1234/sfscan-PublishFailure...

--table, --topic-arn and --no-security-hub default to SFSCAN_TABLE, SFSCAN_TOPIC_ARN and
SFSCAN_ENABLE_SECURITY_HUB. AWS credentials and region: the standard chain (AWS_PROFILE,
AWS_REGION, ...) or --profile / --region.
"""
HUB_ENV = "SFSCAN_ENABLE_SECURITY_HUB"
LATEST = "\U0010ffff"  # sorts after every scan id: "the newest scan"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "publish",
        help="publish an org's stored scan results (SNS, Security Hub) or redrive failures",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--org", help="the org's registered name, e.g. acme-prod")
    what.add_argument("--failure-queue", metavar="URL", help="the PublishFailureQueue's URL")
    p.add_argument("--scan-id", help="one scan of --org (default: its newest unpublished scans)")
    p.add_argument("--table", default=os.environ.get("SFSCAN_TABLE"), help="findings table")
    p.add_argument("--topic-arn", default=os.environ.get("SFSCAN_TOPIC_ARN"), help="SNS topic")
    p.add_argument(
        "--no-security-hub",
        action="store_true",
        default=os.environ.get(HUB_ENV, "true").strip().lower() == "false",
        help="do not import into Security Hub (the stack's EnableSecurityHub=false)",
    )
    aws.add_aws_arguments(p)
    p.set_defaults(handler=run)


def _deps(args: argparse.Namespace, session: aws.Aws) -> PublishDeps:
    from sfscan.publish.securityhub import SecurityHubPublisher
    from sfscan.publish.sns import SnsPublisher
    from sfscan.store.dynamodb import FindingsStore

    if not args.table or not args.topic_arn:
        raise InputError("give --table and --topic-arn (or set SFSCAN_TABLE, SFSCAN_TOPIC_ARN)")
    identity = session.caller()
    arn = identity["Arn"].split(":")
    sns = session.client("sns")
    location = AwsLocation(account_id=identity["Account"], region=session.region, partition=arn[1])
    return PublishDeps(
        store=FindingsStore(session.client("dynamodb"), args.table),
        notifier=SnsPublisher(sns, args.topic_arn),
        security_hub=None
        if args.no_security_hub
        else SecurityHubPublisher(session.client("securityhub")),
        location=location,
        clock=lambda: datetime.now(UTC),
    )


def _say(report: PublishReport) -> None:
    where = f"{report.org_name} scan {report.scan_id}"
    if report.skipped:
        print(f"{where}: nothing to do ({report.skipped})")
        return
    print(
        f"{where}: {report.messages} message(s) ({report.opened} new, {report.resolved} "
        f"resolved), {report.imported} finding(s) imported to Security Hub"
        + (f", completing {report.recovered} earlier scan(s)" if report.recovered else "")
    )


def run(args: argparse.Namespace) -> int:
    from sfscan.store.dynamodb import StoreError

    try:
        session = aws.from_args(args)  # AWS_REGION / --region / --profile, the functions' retries
        deps = _deps(args, session)
        if args.failure_queue:
            return _redrive(args.failure_queue, deps, session)
        return _publish_org(args.org, args.scan_id, deps)
    except (ClientError, BotoCoreError) as exc:
        raise InputError(f"AWS refused the request: {exc}") from None
    except StoreError as exc:  # e.g. no such table in this region: name it, no traceback
        raise InputError(f"{exc} (check --table / SFSCAN_TABLE and the region)") from None


def _publish_org(org: str, scan_id: str | None, deps: PublishDeps) -> int:
    if scan_id:
        summary = deps.store.get_summary(org, scan_id)
        if summary is None:
            raise InputError(f"org {org} has no scan {scan_id} in the table")
    else:
        pending = deps.store.pending_summaries(org, LATEST, "published_at")
        if not pending:
            print(f"{org}: every scan is published; nothing to do")
            return OK
        summary = pending[-1]  # publishing the newest also sends what the earlier ones missed
    _say(publish_scan(summary, deps))
    return OK


def _redrive(queue_url: str, deps: PublishDeps, session: aws.Aws) -> int:
    """Publish the scans each failure message points at, then delete the message."""
    sqs = session.client("sqs")
    streams = session.client("dynamodbstreams")
    handled = 0
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages", []):
        for message in messages:
            for record in _batch_records(streams, json.loads(message["Body"])):
                summary = summary_from_stream_record(record)
                if summary is not None:
                    _say(publish_scan(summary, deps))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    print(f"{handled} failure message(s) redriven", file=sys.stderr)
    return OK


def _batch_records(streams: Any, failure: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The stream records a Lambda on-failure message describes (DDBStreamBatchInfo); the stream
    keeps them 24 hours. Older failures are covered by the org's next publish or ``--org``."""
    info = failure.get("DDBStreamBatchInfo") or {}
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"],
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
        last = int(info["endSequenceNumber"])
    except KeyError as exc:
        raise InputError(f"not a DynamoDB stream failure message (no {exc})") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("TrimmedDataAccessException", "ResourceNotFoundException"):
            print(
                f"stream records of {info['shardId']} are gone ({code}); run "
                "'sfscan publish --org NAME' for the org instead",
                file=sys.stderr,
            )
            return
        raise
    while iterator:
        response = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in response.get("Records", []):
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return
            yield record
        if not response.get("Records"):
            return
        iterator = response.get("NextShardIterator")
