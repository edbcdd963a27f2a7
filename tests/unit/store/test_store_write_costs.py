"""What storing and publishing costs on AWS: the write-unit meter the bench and the store tests
share (sfscan_harness.capacity), and `python -m bench --only pipeline` on the demo org through
the real scan and publish handlers on moto."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sfscan.store.items import MAX_ITEM_BYTES
from sfscan_harness.capacity import AwsMeter, item_size

import bench.__main__ as bench_main
from bench.table import markdown
from tests.unit.pipeline.pipeline_fixtures import table_definition

FIRST = "pipeline, demo org first scan: "
SECOND = "pipeline, demo org unchanged second scan: "
KEY = {"pk": {"S": "ORG#acme"}, "sk": {"S": "SCAN#1"}}


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="findings", **table_definition())
        yield client


def test_an_update_is_billed_on_the_larger_of_the_item_before_and_after(ddb: Any) -> None:
    ddb.put_item(TableName="findings", Item={**KEY, "body": {"S": "x" * 1500}})
    meter = AwsMeter()
    meter.attach(ddb)
    ddb.update_item(
        TableName="findings",
        Key=KEY,
        UpdateExpression="SET published_at = :t",
        ExpressionAttributeValues={":t": {"S": "2026-11-28T03:00:00Z"}},
    )
    # A 1.5 KB item: two write units although only 31 bytes were sent.
    assert (meter.writes, meter.units) == (1, 2)
    assert meter.calls == {"dynamodb.UpdateItem": 1}


def test_a_put_replacing_a_bigger_item_and_a_transaction_are_billed_as_aws_does(ddb: Any) -> None:
    ddb.put_item(TableName="findings", Item={**KEY, "body": {"S": "x" * 2100}})
    meter = AwsMeter()
    meter.attach(ddb)
    ddb.put_item(TableName="findings", Item=KEY)  # replaces a 3 KB item: 3 units
    small = {"pk": {"S": "ORG#acme"}, "sk": {"S": "FIND#1"}, "v": {"S": "y" * 600}}
    ddb.transact_write_items(
        TransactItems=[
            {"ConditionCheck": {"TableName": "findings", "Key": KEY, **_exists()}},
            {"Put": {"TableName": "findings", "Item": small}},
        ]
    )
    assert meter.units == 3 + 2 * 1 + 2 * 1  # the put, then the check and the put, each twice
    assert meter.writes == 3
    assert meter.sizes[-1] == item_size(small)


def _exists() -> dict[str, str]:
    return {"ConditionExpression": "attribute_exists(pk)"}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`python -m bench --only pipeline` once, into a results file holding another section."""
    results = tmp_path_factory.mktemp("bench") / "latest.json"
    kept = {"measurement": "dispatch: AWS calls for 1000 org secrets", "value": 110}
    results.write_text(json.dumps({"measurements": [kept]}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bench_main, "RESULTS", results)
        assert bench_main.main(["--only", "pipeline"]) == 0
    rows = json.loads(results.read_text())["measurements"]
    yield {row["measurement"]: row for row in rows}


def test_an_unchanged_rescan_rewrites_no_finding_and_sends_no_message(
    bench_run: dict[str, Any],
) -> None:
    written = bench_run[SECOND + "DynamoDB items written"]
    assert written["findings"] > 50
    assert written["finding_items_written"] == written["findings_changed"] == 0
    # Only the scan's records: the claim, the scan record, the org's latest record, and both
    # publish markers in one write (no message went out, so none can be sent twice).
    assert written["value"] <= 4
    assert bench_run[SECOND + "SNS messages"]["value"] == 0
    hub = bench_run[SECOND + "Security Hub calls"]
    # Open violations are re-imported (Security Hub learns they were observed again), once per
    # 100; no workflow is touched.
    assert hub["calls"] == {"BatchImportFindings": math.ceil(hub["open_violations"] / 100)}


def test_a_first_scan_writes_every_finding_once_under_1_kb_and_sends_one_message(
    bench_run: dict[str, Any],
) -> None:
    written = bench_run[FIRST + "DynamoDB items written"]
    assert written["finding_items_written"] == written["findings"] == written["findings_changed"]
    units = bench_run[FIRST + "DynamoDB write units (WCU)"]
    assert units["largest_finding_item_bytes"] <= MAX_ITEM_BYTES < 1024
    # Two units per finding (a transactional write of an item under 1 KB) and the records'.
    assert units["value"] <= 2 * written["value"] + 10
    assert bench_run[FIRST + "SNS messages"]["value"] == 1
    assert bench_run[FIRST + "Security Hub calls"]["value"] >= 1


def test_every_pipeline_record_has_its_floor_and_reaches_the_readme_table(
    bench_run: dict[str, Any],
) -> None:
    pipeline = {k: v for k, v in bench_run.items() if k.startswith("pipeline, ")}
    assert len(pipeline) == 10
    for row in pipeline.values():
        assert row["section"] == "pipeline"
        assert row["value"] >= row["floor"] >= 0, row
        assert {"ratio", "goal"} <= row.keys()
    assert "dispatch: AWS calls for 1000 org secrets" in bench_run  # another section is kept
    table = markdown(list(bench_run.values())).splitlines()
    for name, row in pipeline.items():
        assert f"| {name} | {row['value']:,} | {row['floor']:,} |" in "\n".join(table)


@pytest.mark.parametrize("scan", [FIRST, SECOND])
def test_dynamodb_is_at_its_floor_but_for_the_claim_and_the_notified_marker(
    bench_run: dict[str, Any], scan: str
) -> None:
    calls = bench_run[scan + "DynamoDB calls"]
    # Above the floor only what keeps scans in order and e-mails sent once, each counted.
    assert calls["value"] - calls["kept_for_safety"] == calls["floor"]
    assert calls["safety_writes"]["claim"] == 1
    assert calls["calls"].get("GetItem", 0) <= 2  # the scan's own record and the settings
    units = bench_run[scan + "DynamoDB write units (WCU)"]
    assert all(size < 1024 for size in units["record_item_bytes"])  # 1 write unit each
    assert units["goal_met"] is True
