"""Dispatch: one scan request per registered org, queued 10 at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_fixtures import PREFIX, aws_env
from sfscan.domain.errors import InputError
from sfscan.pipeline.dispatch import (
    SCAN_ID,
    ScanQueue,
    ScanRequest,
    dispatch_scan_run,
    list_registered_orgs,
    new_scan_id,
)

NOW = datetime(2026, 11, 28, 3, 0, 5, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    aws_env(monkeypatch)
    with mock_aws():
        yield boto3.session.Session()


def _register(session: Any, *names: str) -> None:
    sm = session.client("secretsmanager")
    for name in names:
        sm.create_secret(Name=name, SecretString="{}")


def _queued(session: Any, url: str) -> list[ScanRequest]:
    sqs = session.client("sqs")
    out = []
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in msgs:
            out.append(ScanRequest.from_json(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_only_secrets_under_the_prefix_are_orgs(aws: Any) -> None:
    _register(aws, f"{PREFIX}acme", f"{PREFIX}globex", "sfscan/orgs-old/acme", "other/secret")
    orgs = list_registered_orgs(aws.client("secretsmanager"), PREFIX)
    assert [(o.name, o.secret_name) for o in orgs] == [
        ("acme", "sfscan/orgs/acme"),
        ("globex", "sfscan/orgs/globex"),
    ]


def test_23_orgs_are_sent_in_batches_of_at_most_10(aws: Any) -> None:
    _register(aws, *(f"{PREFIX}org{i:02d}" for i in range(23)))
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="scan")["QueueUrl"]
    sizes: list[int] = []

    class Spy:
        def send_message_batch(self, **kw: Any) -> Any:
            sizes.append(len(kw["Entries"]))
            return sqs.send_message_batch(**kw)

    result = dispatch_scan_run(
        {"scan_run": "6f1c2a3b-9d8e", "scheduled_time": "2026-11-28T03:00:00Z"},
        list_orgs=lambda: list_registered_orgs(aws.client("secretsmanager"), PREFIX),
        queue=ScanQueue(Spy(), url),
        now=NOW,
    )
    assert sizes == [10, 10, 3]
    assert result.scan_id == "20261128T030000Z-6f1c2a3b"
    queued = _queued(aws, url)
    assert sorted(r.org_name for r in queued) == [f"org{i:02d}" for i in range(23)]
    assert {r.scan_id for r in queued} == {result.scan_id}
    assert all(r.secret_name == PREFIX + r.org_name for r in queued)


def test_a_retried_scheduler_execution_gets_the_same_scan_id() -> None:
    event = {"scan_run": "ABCDEF12-3456", "scheduled_time": "2026-11-28T03:00:00Z"}
    assert new_scan_id(event, NOW) == new_scan_id(event, datetime.now(UTC))
    manual = new_scan_id({}, NOW)
    assert manual.startswith("20261128T030005Z-") and manual != new_scan_id({}, NOW)
    # Unfilled scheduler placeholders (an invocation copied from the console) still work.
    assert new_scan_id({"scan_run": "<aws.scheduler.execution-id>"}, NOW).startswith("20261128T")


def test_by_hand_run_scans_only_the_named_orgs(aws: Any) -> None:
    _register(aws, f"{PREFIX}acme", f"{PREFIX}globex")
    url = aws.client("sqs").create_queue(QueueName="scan")["QueueUrl"]
    result = dispatch_scan_run(
        {"orgs": ["globex"]},
        list_orgs=lambda: list_registered_orgs(aws.client("secretsmanager"), PREFIX),
        queue=ScanQueue(aws.client("sqs"), url),
        now=NOW,
    )
    assert result.orgs == ("globex",)
    assert [r.org_name for r in _queued(aws, url)] == ["globex"]
    with pytest.raises(InputError, match="not registered: nope"):
        dispatch_scan_run(
            {"orgs": ["nope"]},
            list_orgs=lambda: list_registered_orgs(aws.client("secretsmanager"), PREFIX),
            queue=ScanQueue(aws.client("sqs"), url),
            now=NOW,
        )


def test_scan_request_round_trip_and_bad_body() -> None:
    req = ScanRequest("20261128T030000Z-a1", "acme", "sfscan/orgs/acme", NOW)
    assert ScanRequest.from_json(req.to_json()) == req
    assert "secret" not in json.loads(req.to_json())["secret_name"].replace("sfscan", "")
    with pytest.raises(InputError):
        ScanRequest.from_json('{"scan_id": "x"}')


@pytest.mark.parametrize("scan_id", ["manual-1", "zzz", "2026-11-28", "20261128T030000Z"])
def test_a_scan_id_that_does_not_sort_by_time_is_refused(scan_id: str) -> None:
    # Scans of one org are ordered by scan id: "manual-1" would outrank every later scan.
    def no_orgs() -> list[Any]:
        raise AssertionError("nothing is listed or queued for a refused event")

    with pytest.raises(InputError, match="time-sortable scan id"):
        dispatch_scan_run(
            {"scan_id": scan_id},
            list_orgs=no_orgs,
            queue=None,  # type: ignore[arg-type]
            now=datetime(2026, 11, 28, tzinfo=UTC),
        )


def test_a_scan_message_whose_id_does_not_sort_by_time_is_refused() -> None:
    body = ScanRequest("manual", "acme", "sfscan/orgs/acme", NOW).to_json()
    with pytest.raises(InputError, match="does not sort by time"):
        ScanRequest.from_json(body)


def test_runs_started_by_hand_in_the_same_second_sort_in_the_order_they_started() -> None:
    """Scan ids order an org's scans (a later scan supersedes an earlier one): two runs started
    within one second, as `sfscan demo` does with its fix and re-scan, must not sort by chance."""
    for millisecond in range(0, 999, 7):
        earlier = NOW.replace(microsecond=millisecond * 1000)
        later = earlier + timedelta(milliseconds=1)
        first, second = new_scan_id({}, earlier), new_scan_id({}, later)
        assert first[:16] == second[:16] == "20261128T030005Z"
        assert first < second, (first, second)
        assert SCAN_ID.fullmatch(first) and SCAN_ID.fullmatch(second)
