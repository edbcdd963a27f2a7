"""The DynamoDB adapter against moto, on a table built from template.yaml's own key schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from sfscan.domain.findings import Finding, Remediation, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.store import items
from sfscan.store.dynamodb import MAX_BATCH_WRITE, FindingsStore
from sfscan.store.items import ScanSummary
from sfscan.store.transitions import apply_scan

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def table_definition() -> dict[str, Any]:
    props = cfn_yaml.load(str(TEMPLATE))["Resources"]["FindingsTable"]["Properties"]
    return {
        "KeySchema": [dict(k) for k in props["KeySchema"]],
        "AttributeDefinitions": [dict(a) for a in props["AttributeDefinitions"]],
        "BillingMode": props["BillingMode"],
        "StreamSpecification": {"StreamEnabled": True, **props["StreamSpecification"]},
    }


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="findings", **table_definition())
        yield client


def make_finding(resource_id: str, status: Status = Status.FAILED) -> Finding:
    return Finding(
        rule_id="SF-IU-01",
        org_id="00D000000000001EAA",
        resource_type="User",
        resource_id=resource_id,
        resource_name=f"{resource_id}@acme.example",
        status=status,
        severity=Severity.CRITICAL,
        title="Integration user is not API only",
        detail="Give the user API Only.",
        remediation=Remediation(text="Assign API Only", url="https://help.salesforce.com/"),
        evidence={"reasons": ["profile"], "ratio": 0.5},
    )


def summary(scan_id: str = "20261102T030000Z-a", **kw: Any) -> ScanSummary:
    return ScanSummary(org_name="acme", scan_id=scan_id, started_at=T0, finished_at=T1, **kw)


def test_findings_round_trip_with_evidence_exactly_as_written(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    out = apply_scan(
        {},
        [make_finding("005A"), make_finding("005B", Status.PASSED)],
        scan_id="s1",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    store.write_findings("acme", out.writes)
    loaded = store.load_findings("acme")
    assert loaded == {t.key: t for t in out.writes}
    assert loaded[make_finding("005A").key].finding.evidence == {
        "reasons": ["profile"],
        "ratio": 0.5,
    }


def test_item_has_the_documented_attributes(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    t = TrackedFinding(make_finding("005A"), True, T0, T1, T0, Transition.OPENED, "s1")
    store.write_findings("acme", [t])
    raw = ddb.get_item(
        TableName="findings", Key={"pk": {"S": "ORG#acme"}, "sk": {"S": "FINDING#SF-IU-01#005A"}}
    )["Item"]
    for name in ("finding", "open", "first_seen", "last_seen", "status_changed_at", "transition"):
        assert name in raw
    assert raw["scan_id"] == {"S": "s1"} and raw["open"] == {"BOOL": True}


class _CountingClient:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.batch_sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def batch_write_item(self, **kw: Any) -> Any:
        self.batch_sizes.append(sum(len(v) for v in kw["RequestItems"].values()))
        return self.inner.batch_write_item(**kw)


def test_batch_writes_never_exceed_25_items(ddb: Any) -> None:
    counting = _CountingClient(ddb)
    store = FindingsStore(counting, "findings")
    tracked = [
        TrackedFinding(make_finding(f"005{i:03d}"), True, T0, T1, T0, Transition.OPENED, "s1")
        for i in range(61)
    ]
    assert store.write_findings("acme", tracked) == 61
    assert counting.batch_sizes == [25, 25, 11]
    assert max(counting.batch_sizes) <= MAX_BATCH_WRITE
    assert len(store.load_findings("acme")) == 61


def test_unprocessed_items_are_retried(ddb: Any) -> None:
    class Throttling(_CountingClient):
        def batch_write_item(self, **kw: Any) -> Any:
            if not self.batch_sizes:
                self.batch_sizes.append(0)
                return {"UnprocessedItems": kw["RequestItems"]}
            return super().batch_write_item(**kw)

    store = FindingsStore(Throttling(ddb), "findings", sleep=lambda _s: None)
    t = TrackedFinding(make_finding("005A"), True, T0, T1, T0, Transition.OPENED, "s1")
    store.write_findings("acme", [t])
    assert list(store.load_findings("acme")) == [t.key]


def test_summary_is_recorded_once_per_scan_and_org(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    first = summary(by_status={"FAILED": 2}, api_calls=14, daily_api_remaining=14986)
    assert store.put_summary(first) is True
    assert store.put_summary(replace(first, opened=99)) is False
    got = store.get_summary("acme", first.scan_id)
    assert got is not None and got.opened == 0 and got.api_calls == 14
    assert got.daily_api_remaining == 14986 and got.duration_ms == 86_400_000


def test_summary_history_item_expires_and_latest_does_not(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings", history_days=400)
    store.put_summary(summary())
    items_ = ddb.scan(TableName="findings")["Items"]
    by_pk = {i["pk"]["S"]: i for i in items_}
    expected = int(datetime(2027, 12, 7, 3, 0, tzinfo=UTC).timestamp())
    assert by_pk["ORG#acme"][items.TTL_ATTRIBUTE] == {"N": str(expected)}
    assert items.TTL_ATTRIBUTE not in by_pk["LATEST"]


def test_latest_scan_moves_forward_only(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    store.put_summary(summary("20261102T030000Z-b"))
    store.put_summary(summary("20261101T030000Z-a", error="late retry of an old run"))
    [latest] = store.latest_scans()
    assert latest.scan_id == "20261102T030000Z-b" and latest.ok


def test_error_summary_keeps_the_error(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    store.put_summary(summary(error="secret is not valid JSON", error_kind="input"))
    [latest] = store.latest_scans()
    assert (latest.ok, latest.error, latest.error_kind) == (
        False,
        "secret is not valid JSON",
        "input",
    )


def test_changed_and_open_queries(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    first = apply_scan(
        {},
        [make_finding("005A"), make_finding("005B"), make_finding("005C", Status.PASSED)],
        scan_id="s1",
        scanned_at=T0,
        incomplete_rules=(),
        scan_complete=True,
    )
    store.write_findings("acme", first.writes)
    second = apply_scan(
        store.load_findings("acme"),
        [
            make_finding("005A"),
            make_finding("005B", Status.PASSED),
            make_finding("005C", Status.PASSED),
        ],
        scan_id="s2",
        scanned_at=T1,
        incomplete_rules=(),
        scan_complete=True,
    )
    store.write_findings("acme", second.writes)
    changed = {(t.finding.resource_id, t.transition) for t in store.changed_in_scan("acme", "s2")}
    assert changed == {("005B", Transition.RESOLVED)}
    assert [t.finding.resource_id for t in store.open_findings("acme")] == ["005A"]
    # A finding keeps only its latest transition: s2 re-judged everything s1 touched.
    assert store.changed_in_scan("acme", "s1") == []


def test_markers_are_set_once(ddb: Any) -> None:
    store = FindingsStore(ddb, "findings")
    store.put_summary(summary())
    assert store.mark_summary("acme", summary().scan_id, "notified_at", T1) is True
    assert store.mark_summary("acme", summary().scan_id, "notified_at", T1) is False
    got = store.get_summary("acme", summary().scan_id)
    assert got is not None and got.notified_at == T1 and got.published_at is None
    assert store.mark_summary("acme", "no-such-scan", "published_at", T1) is False


def test_library_key_schema_matches_template() -> None:
    definition = table_definition()
    assert definition["KeySchema"] == list(items.KEY_SCHEMA)
    assert definition["AttributeDefinitions"] == list(items.ATTRIBUTE_DEFINITIONS)
