"""What only the DynamoDB adapter can show: the item layout and its cost in write units, on moto
with the table built from template.yaml's own key schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sfscan.domain.snapshot import Snapshot
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.pipeline.scan import ScanDeps, scan_org
from sfscan.store import items
from sfscan.store.dynamodb import MAX_TRANSACT_ITEMS, FindingsStore
from sfscan.store.items import ScanSummary
from sfscan_harness.capacity import AwsMeter, item_size

from tests.unit.pipeline.pipeline_fixtures import PREFIX, credentials_json, table_definition

ROOT = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="findings", **table_definition())
        yield client


def scan_demo_org(store: FindingsStore, scan_id: str) -> ScanSummary:
    """The bundled demo org (orgsim/orgs/demo.json with its settings) through the scan use case."""
    snapshot = Snapshot.model_validate(json.loads((ROOT / "orgsim/orgs/demo.json").read_text()))
    settings = json.loads((ROOT / "orgsim/orgs/demo.settings.json").read_text())
    secret = {**credentials_json(), "settings": settings}
    deps = ScanDeps(
        store=store,
        read_secret=lambda _n: secret,
        collect=lambda _c: snapshot,
        clock=lambda: snapshot.captured_at,
    )
    request = ScanRequest(scan_id, "acme", PREFIX + "acme", snapshot.captured_at)
    config = ScanConfig(table="findings", org_secret_prefix=PREFIX)
    return scan_org(request, deps, config).summary


def test_an_unchanged_rescan_writes_only_the_scan_records(ddb: Any) -> None:
    meter = AwsMeter()
    store = FindingsStore(meter.attach(ddb), "findings")
    first = scan_demo_org(store, "20261128T120000Z-a")
    findings = sum(first.by_status.values())
    assert findings > 50
    first_writes, first_units = meter.writes, meter.units
    # Every finding once, plus the claim check per transaction (99 findings each), the claim and
    # the two records.
    transactions = -(-findings // (MAX_TRANSACT_ITEMS - 1))
    assert first_writes == findings + transactions + 3
    second_start = (meter.writes, meter.units)
    second = scan_demo_org(store, "20261129T120000Z-b")
    assert second.ok and second.opened == second.resolved == 0
    # The claim, the scan's record and the org's latest record: no finding is rewritten.
    assert meter.writes - second_start[0] == 3
    assert meter.units - second_start[1] <= 6
    assert first_units <= 2 * (findings + transactions) + 6  # transactional writes under 1 KB


def test_every_finding_item_is_under_1_kb_without_rule_text(ddb: Any) -> None:
    scan_demo_org(FindingsStore(ddb, "findings"), "20261128T120000Z-a")
    raw = [i for i in ddb.scan(TableName="findings")["Items"] if i["sk"]["S"].startswith("FIND")]
    assert raw and max(item_size(i) for i in raw) <= items.MAX_ITEM_BYTES < 1024
    for item in raw:
        stored = json.loads(item["finding"]["S"])
        assert "title" not in stored and "remediation" not in stored


def test_summary_history_item_expires_and_latest_does_not(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings", history_days=400)
    store.put_summary(ScanSummary("acme", "20261102T030000Z-a", T0, T1))
    by_pk = {i["pk"]["S"]: i for i in ddb.scan(TableName="findings")["Items"]}
    expected = int(datetime(2027, 12, 7, 3, 0, tzinfo=UTC).timestamp())
    assert by_pk["ORG#acme"][items.TTL_ATTRIBUTE] == {"N": str(expected)}
    assert items.TTL_ATTRIBUTE not in by_pk["LATEST"]


def test_library_key_schema_matches_template() -> None:
    definition = table_definition()
    assert definition["KeySchema"] == list(items.KEY_SCHEMA)
    assert definition["AttributeDefinitions"] == list(items.ATTRIBUTE_DEFINITIONS)
