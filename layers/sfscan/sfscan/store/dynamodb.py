"""DynamoDB adapter for the findings store. Turns SDK errors into StoreError; knows the item
layout through sfscan.store.items and nothing about scanning or publishing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from sfscan.domain.errors import SfscanError
from sfscan.domain.lifecycle import TrackedFinding, Transition
from sfscan.domain.timestamps import utc_iso
from sfscan.store import items as it
from sfscan.store.history import MARKERS, MAX_PENDING_SCANS, ScanHistory, changes_of

__all__ = ["MAX_PENDING_SCANS", "MAX_TRANSACT_ITEMS", "FindingsStore", "StoreError"]

# DynamoDB's documented TransactWriteItems limit (actions per call).
MAX_TRANSACT_ITEMS = 100
# Scan records a publish reads per Query: its own and the previous one answer it when that one
# was published; a page of 10 covers nine failed publishes before another call (and reads
# ~10 KB, not the org's whole history).
HISTORY_PAGE = 10
# A finding a publish may send: open (re-imported every scan), or changed by the scan that last
# wrote it (opened, resolved, suppression changed).
_CHANGED = "#tr IN (:opened, :resolved) OR suppression_changed = :true"
_TO_PUBLISH = "#open = :true OR " + _CHANGED
_TO_PUBLISH_VALUES = {
    ":opened": Transition.OPENED.value,
    ":resolved": Transition.RESOLVED.value,
    ":true": True,
}

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


@dataclass(frozen=True)
class WriteOutcome:
    """What ``write_findings`` stored: see its docstring."""

    written: tuple[TrackedFinding, ...]
    unwritten: tuple[TrackedFinding, ...]
    superseded: bool = False


def _check_markers(markers: Sequence[str]) -> None:
    if not markers or any(m not in MARKERS for m in markers):
        raise ValueError(f"unknown markers {markers}")


def _is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class FindingsStore:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        history_days: int = it.DEFAULT_HISTORY_DAYS,
    ) -> None:
        self._client = client
        self._table = table_name
        self._history_days = history_days

    # -- findings ------------------------------------------------------------------------------

    def load_findings(self, org_name: str) -> dict[str, TrackedFinding]:
        """Every stored finding of the org, keyed by Finding.key."""
        out: dict[str, TrackedFinding] = {}
        for item in self._query_findings(org_name):
            tracked = it.item_to_tracked(item)
            out[tracked.key] = tracked
        return out

    def changed_in_scans(self, org_name: str, scan_ids: Sequence[str]) -> list[TrackedFinding]:
        """Findings these scans opened or resolved, or whose suppression they changed, and that
        no later scan changed again."""
        changed = self._query_findings(org_name, _CHANGED, _TO_PUBLISH_VALUES)
        return changes_of((it.item_to_tracked(i) for i in changed), scan_ids)

    def open_findings(self, org_name: str) -> list[TrackedFinding]:
        return [
            it.item_to_tracked(i)
            for i in self._query_findings(org_name, "#open = :true", {":true": True})
        ]

    def findings_to_publish(self, org_name: str) -> list[TrackedFinding]:
        """In one Query, every finding a publish may send: the open ones and those changed by
        the scan that last wrote them (``history.changes_of`` picks a publish's changes)."""
        return [
            it.item_to_tracked(i)
            for i in self._query_findings(org_name, _TO_PUBLISH, _TO_PUBLISH_VALUES)
        ]

    def claim_org(self, org_name: str, scan_id: str) -> str:
        """Take the org for this scan before reading its findings. Returns "" when claimed, or
        the id of a newer scan that already took it (this scan is stale and must change nothing).

        Scans are ordered by scan id (time-sortable): every finding write checks, in the same
        transaction, that the org is still claimed by the writing scan.
        """
        key = to_ddb({"pk": it.org_pk(org_name), "sk": it.CLAIM_SK})
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET scan_id = :scan",
                ConditionExpression="attribute_not_exists(pk) OR scan_id <= :scan",
                ExpressionAttributeValues=to_ddb({":scan": scan_id}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                old: dict[str, Any] = dict(exc.response.get("Item") or {})  # type: ignore[call-overload]
                return str(from_ddb(old).get("scan_id", "")) if old else "a newer scan"
            raise StoreError(f"cannot write to table {self._table}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"cannot write to table {self._table}: {exc}") from exc
        return ""

    def write_findings(
        self,
        org_name: str,
        scan_id: str,
        writes: Sequence[TrackedFinding],
        expected: Mapping[str, str],
    ) -> WriteOutcome:
        """Store new finding states, 99 per transaction with a check that ``scan_id`` still holds
        the org's claim; each item is written only if it still carries the scan id it was read
        with (``expected[key]``; absent: the item must not exist), so a concurrent scan's write is
        never overwritten with a decision made on older state.

        Items of a refused transaction are returned in ``unwritten`` (read the org again and
        decide them anew); ``superseded`` says a newer scan took the org meanwhile.
        """
        written: list[TrackedFinding] = []
        unwritten: list[TrackedFinding] = []
        claim = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_ddb({"pk": it.org_pk(org_name), "sk": it.CLAIM_SK}),
                "ConditionExpression": "scan_id = :scan",
                "ExpressionAttributeValues": to_ddb({":scan": scan_id}),
            }
        }
        for batch in chunks(list(writes), MAX_TRANSACT_ITEMS - 1):
            puts = [self._put_if_unchanged(org_name, t, expected.get(t.key)) for t in batch]
            reasons = self._transact([claim, *puts])
            if reasons is None:
                written.extend(batch)
                continue
            if reasons[0] == "ConditionalCheckFailed":
                return WriteOutcome(tuple(written), (), superseded=True)
            unwritten.extend(batch)
        return WriteOutcome(tuple(written), tuple(unwritten))

    def _put_if_unchanged(
        self, org_name: str, tracked: TrackedFinding, expected_scan: str | None
    ) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_ddb(it.tracked_to_item(org_name, tracked)),
        }
        if expected_scan is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "scan_id = :was"
            put["ExpressionAttributeValues"] = to_ddb({":was": expected_scan})
        return {"Put": put}

    def _transact(self, actions: list[dict[str, Any]]) -> list[str] | None:
        """None when applied; else each action's cancellation reason code ("None" if fine)."""
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise StoreError(f"cannot write findings to table {self._table}: {exc}") from exc
            reasons = exc.response.get("CancellationReasons") or []
            codes = [str(r.get("Code", "None")) for r in reasons]
            if "ConditionalCheckFailed" not in codes:  # conflicts with a concurrent transaction
                raise StoreError(
                    f"table {self._table} refused a findings write ({', '.join(codes)}); "
                    "the scan will be retried"
                ) from exc
            return codes
        except BotoCoreError as exc:
            raise StoreError(f"cannot write findings to table {self._table}: {exc}") from exc
        return None

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

    def scan_history(self, org_name: str, up_to: str) -> ScanHistory:
        """The org's scan records back from ``up_to`` (its own first), as far as publishing
        ``up_to`` needs: to the first successful scan carrying each marker, at most
        MAX_PENDING_SCANS records. One Query of HISTORY_PAGE records when the previous scan was
        published."""
        params = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_ddb(
                {":pk": it.org_pk(org_name), ":low": it.SCAN_PREFIX, ":high": it.scan_sk(up_to)}
            ),
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": HISTORY_PAGE,
        }
        history = ScanHistory(up_to)
        for item in self._query(params):
            history = ScanHistory(up_to, (*history.records, it.item_to_summary(item)))
            if history.complete:
                break
        return history

    def pending_summaries(self, org_name: str, up_to: str, marker: str) -> list[it.ScanSummary]:
        """The org's successful scans up to ``up_to`` whose ``marker`` (``notified_at`` or
        ``published_at``) is not set, oldest first: changes a failed publish never sent
        (``ScanHistory.pending``)."""
        _check_markers((marker,))
        return self.scan_history(org_name, up_to).pending(marker)

    def record_failure(self, summary: it.ScanSummary) -> None:
        """Show a failed attempt as the org's latest scan without recording the scan itself, so
        the retry of the message still runs it (and a later scan's record is never replaced)."""
        self._conditional_put(
            it.latest_to_item(summary),
            "attribute_not_exists(pk) OR scan_id <= :scan",
            {":scan": summary.scan_id},
        )

    def latest_scans(self) -> list[it.ScanSummary]:
        params = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_ddb({":pk": it.LATEST_PK}),
        }
        return [it.item_to_summary(i) for i in self._query(params)]

    def mark_summary(
        self, org_name: str, scan_id: str, markers: str | Sequence[str], when: datetime
    ) -> bool:
        """Set ``notified_at`` and/or ``published_at`` (one UpdateItem) where not set yet; False
        when every one of them was already set (or there is no such record)."""
        names = (markers,) if isinstance(markers, str) else tuple(markers)
        _check_markers(names)
        refs = {f"#m{i}": name for i, name in enumerate(names)}
        sets = ", ".join(f"{r} = if_not_exists({r}, :when)" for r in refs)
        unset = " OR ".join(f"attribute_not_exists({r})" for r in refs)
        return self._conditionally(
            "update",
            lambda: self._client.update_item(
                TableName=self._table,
                Key=to_ddb({"pk": it.org_pk(org_name), "sk": it.scan_sk(scan_id)}),
                UpdateExpression=f"SET {sets}",
                ConditionExpression=f"attribute_exists(pk) AND ({unset})",
                ExpressionAttributeNames=refs,
                ExpressionAttributeValues=to_ddb({":when": utc_iso(when)}),
            ),
        )
