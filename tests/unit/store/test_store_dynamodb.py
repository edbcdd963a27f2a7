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
from sfscan.pipeline.publish import summary_from_stream_record
from sfscan.pipeline.scan import ScanDeps, scan_org
from sfscan.store import items
from sfscan.store.dynamodb import MAX_TRANSACT_ITEMS, FindingsStore, to_ddb
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


def test_the_demo_orgs_scan_records_stay_under_1_kb_and_lose_nothing(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    scanned = scan_demo_org(store, "20261128T120000Z-a")
    assert len(scanned.incomplete_rules) >= 7  # one unreadable app makes most rules incomplete
    # As published: both markers set, and the collection's figures of a live scan.
    store.mark_summary("acme", scanned.scan_id, ["notified_at", "published_at"], T1)
    raw = {i["sk"]["S"]: i for i in ddb.scan(TableName="findings")["Items"]}
    record, latest = raw["SCAN#" + scanned.scan_id], raw["ORG#acme"]
    assert item_size(record) < 1024 and item_size(latest) < 1024  # 1 write unit each
    got = store.get_summary("acme", scanned.scan_id)
    assert got is not None and got.incomplete_rules == scanned.incomplete_rules
    assert got.unavailable == scanned.unavailable and got.by_status == scanned.by_status
    [listed] = store.latest_scans()
    assert listed.incomplete_rules == scanned.incomplete_rules


def test_a_scan_record_written_by_the_previous_version_still_reads(ddb: Any) -> None:
    """A user's table holds records in the old shape (one reason per rule, empty strings)."""
    reason = "unreadable items, run-as users unknown: metadata:ConnectedApp:Vendor"
    old = {
        "org_name": "acme",
        "scan_id": "20261128T120000Z-a",
        "org_id": "00D5g000004DEMOEA4",
        "salesforce_org_name": "",
        "instance_url": "",
        "scan_status": "OK",
        "error": "",
        "error_kind": "",
        "started_at": "2026-11-28T12:00:00Z",
        "finished_at": "2026-11-28T12:00:03Z",
        "scanned_at": "2026-11-28T12:00:00Z",
        "duration_ms": 3000,
        "by_status": {"FAILED": 2},
        "failed_by_severity": {"HIGH": 2},
        "opened": 2,
        "resolved": 0,
        "open_violations": 2,
        "unavailable": {"metadata:ConnectedApp:Vendor": "INSUFFICIENT_ACCESS"},
        "incomplete_rules": {"SF-IU-01": reason, "SF-NET-01": reason, "SF-CA-01": "app Vendor"},
        "notified_at": "2026-11-28T12:00:05Z",
    }
    scan_item = {"pk": "ORG#acme", "sk": "SCAN#20261128T120000Z-a", "item_type": "scan", **old}
    latest_item = {"pk": "LATEST", "sk": "ORG#acme", "item_type": "latest", **old}
    for item in (scan_item, latest_item):
        ddb.put_item(TableName="findings", Item=to_ddb(item))
    store = FindingsStore(ddb, "findings")
    expected = {"SF-IU-01": reason, "SF-NET-01": reason, "SF-CA-01": "app Vendor"}
    got = store.get_summary("acme", "20261128T120000Z-a")
    assert got is not None and got.incomplete_rules == expected
    assert got.ok and got.salesforce_org_name == "" and got.display_name == "acme"
    [latest] = store.latest_scans()
    assert latest.incomplete_rules == expected
    history = store.scan_history("acme", "20261128T120000Z-a")
    assert history.current == got
    # Its stream record (what the publish function reads) too; it still needs publishing.
    inserted = {"eventName": "INSERT", "dynamodb": {"NewImage": to_ddb(scan_item)}}
    assert summary_from_stream_record(inserted) == got
    assert [s.scan_id for s in history.pending("published_at")] == [got.scan_id]
    assert history.pending("notified_at") == []
