"""DynamoDB adapter for the findings store. Turns SDK errors into StoreError; knows the item
layout through sfscan.store.items and nothing about scanning or publishing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from sfscan.domain.errors import SfscanError
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.domain.timestamps import utc_iso
from sfscan.store import items as it

# DynamoDB's documented BatchWriteItem limit. moto accepts more, so we enforce it here.
MAX_BATCH_WRITE = 25
_MAX_UNPROCESSED_ROUNDS = 8

_ser = TypeSerializer()
_deser = TypeDeserializer()


class StoreError(SfscanError):
    """The findings table could not be read or written (retryable by the caller)."""


def to_ddb(item: it.Item) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in item.items()}


def from_ddb(image: dict[str, Any]) -> it.Item:
    return {k: it.plain(_deser.deserialize(v)) for k, v in image.items()}


def chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def _is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class FindingsStore:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        history_days: int = it.DEFAULT_HISTORY_DAYS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._history_days = history_days
        self._sleep = sleep

    # -- findings ------------------------------------------------------------------------------

    def load_findings(self, org_name: str) -> dict[str, TrackedFinding]:
        """Every stored finding of the org, keyed by Finding.key."""
        out: dict[str, TrackedFinding] = {}
        for item in self._query_findings(org_name):
            tracked = it.item_to_tracked(item)
            out[tracked.key] = tracked
        return out

    def changed_in_scan(self, org_name: str, scan_id: str) -> list[TrackedFinding]:
        """Findings this scan opened or resolved, or whose suppression it changed."""
        return [
            it.item_to_tracked(i)
            for i in self._query_findings(
                org_name,
                "scan_id = :scan AND (#tr IN (:opened, :resolved) OR suppression_changed = :true)",
                {
                    ":scan": scan_id,
                    ":opened": Transition.OPENED.value,
                    ":resolved": Transition.RESOLVED.value,
                    ":true": True,
                },
            )
        ]

    def open_findings(self, org_name: str) -> list[TrackedFinding]:
        return [
            it.item_to_tracked(i)
            for i in self._query_findings(org_name, "#open = :true", {":true": True})
        ]

    def write_findings(self, org_name: str, tracked: Sequence[TrackedFinding]) -> int:
        """Store new finding states, at most 25 per BatchWriteItem; retries unprocessed items."""
        requests = [
            {"PutRequest": {"Item": to_ddb(it.tracked_to_item(org_name, t))}} for t in tracked
        ]
        for batch in chunks(requests, MAX_BATCH_WRITE):
            self._batch_write(list(batch))
        return len(requests)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        if len(requests) > MAX_BATCH_WRITE:
            raise ValueError(f"BatchWriteItem takes at most {MAX_BATCH_WRITE} items")
        pending: dict[str, Any] = {self._table: requests}
        for attempt in range(_MAX_UNPROCESSED_ROUNDS):
            try:
                resp = self._client.batch_write_item(RequestItems=pending)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError(f"cannot write findings to table {self._table}: {exc}") from exc
            pending = resp.get("UnprocessedItems") or {}
            if not pending:
                return
            self._sleep(min(0.05 * 2**attempt, 2.0))
        raise StoreError(f"table {self._table} kept throttling writes; the scan will be retried")

    def _query_findings(
        self, org_name: str, filter_expr: str | None = None, values: dict[str, Any] | None = None
    ) -> Iterator[it.Item]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_ddb(
                {":pk": it.org_pk(org_name), ":prefix": it.FINDING_PREFIX, **(values or {})}
            ),
            "ConsistentRead": True,
        }
        if filter_expr:
            params["FilterExpression"] = filter_expr
            names = {n: n[1:] for n in ("#tr", "#open") if n in filter_expr}
            if "#tr" in names:
                names["#tr"] = "transition"
            if names:
                params["ExpressionAttributeNames"] = names
        yield from self._query(params)

    def _query(self, params: dict[str, Any]) -> Iterator[it.Item]:
        while True:
            try:
                resp = self._client.query(**params)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError(f"cannot read table {self._table}: {exc}") from exc
            for raw in resp.get("Items", []):
                yield from_ddb(raw)
            last = resp.get("LastEvaluatedKey")
            if not last:
                return
            params = {**params, "ExclusiveStartKey": last}

    # -- scan summaries ------------------------------------------------------------------------

    def get_summary(self, org_name: str, scan_id: str) -> it.ScanSummary | None:
        try:
            resp = self._client.get_item(
                TableName=self._table,
                Key=to_ddb({"pk": it.org_pk(org_name), "sk": it.scan_sk(scan_id)}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"cannot read table {self._table}: {exc}") from exc
        raw = resp.get("Item")
        return it.item_to_summary(from_ddb(raw)) if raw else None

    def put_summary(self, summary: it.ScanSummary) -> bool:
        """Record the scan once. False when this (scan, org) was already recorded: the insert is
        what triggers publishing, so a second put must not happen."""
        item = it.summary_to_item(summary, self._history_days)
        if not self._conditional_put(item, "attribute_not_exists(pk)", {}):
            return False
        # The org's "latest scan" only moves forward (a late retry of an old scan id loses).
        self._conditional_put(
            it.latest_to_item(summary),
            "attribute_not_exists(pk) OR scan_id <= :scan",
            {":scan": summary.scan_id},
        )
        return True

    def _conditional_put(self, item: it.Item, condition: str, values: dict[str, Any]) -> bool:
        params: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_ddb(item),
            "ConditionExpression": condition,
        }
        if values:
            params["ExpressionAttributeValues"] = to_ddb(values)
        return self._conditionally("write to", lambda: self._client.put_item(**params))

    def _conditionally(self, verb: str, call: Callable[[], object]) -> bool:
        """Run a conditional write: False when its condition failed, StoreError on any error."""
        try:
            call()
        except ClientError as exc:
            if _is_condition_failure(exc):
                return False
            raise StoreError(f"cannot {verb} table {self._table}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"cannot {verb} table {self._table}: {exc}") from exc
        return True

    def latest_scans(self) -> list[it.ScanSummary]:
        params = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_ddb({":pk": it.LATEST_PK}),
        }
        return [it.item_to_summary(i) for i in self._query(params)]

    def mark_summary(self, org_name: str, scan_id: str, attribute: str, when: datetime) -> bool:
        """Set ``notified_at`` or ``published_at`` once; False when it was already set."""
        if attribute not in ("notified_at", "published_at"):
            raise ValueError(f"unknown marker {attribute}")
        return self._conditionally(
            "update",
            lambda: self._client.update_item(
                TableName=self._table,
                Key=to_ddb({"pk": it.org_pk(org_name), "sk": it.scan_sk(scan_id)}),
                UpdateExpression="SET #m = :when",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#m)",
                ExpressionAttributeNames={"#m": attribute},
                ExpressionAttributeValues=to_ddb({":when": utc_iso(when)}),
            ),
        )
