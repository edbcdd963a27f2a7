"""What the pipeline costs on AWS, counted on the client: every call of every botocore client
(botocore's ``before-call`` event: once per call, whatever its retries), and DynamoDB write units
as AWS bills them (moto reports no consumed capacity, and sfscan's store does not ask for
``ReturnConsumedCapacity``). Shared by ``bench/pipeline.py`` and the tests.

A write costs ceil(item size / 1 KB) WCU, at least 1; a transactional write twice that. PutItem and
UpdateItem are billed on the larger of the item before and after the write, so the stored item is
read (through a reader client, uncounted) before the write, and after an update. An item's size
follows DynamoDB's documented rules: the UTF-8 length of every attribute name plus its value
(strings by UTF-8 bytes, numbers about 1 byte per 2 significant digits + 1, booleans and null
1 byte, maps and lists their contents plus 3 bytes + 1 per element). A ConditionCheck in a
transaction costs the checked item's units, twice. A write refused by its condition is counted as
if applied (AWS bills refused conditional writes too).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.handlers
from sfscan.store import items

KEY_NAMES = tuple(str(k["AttributeName"]) for k in items.KEY_SCHEMA)
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)


def value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode("utf-8"))
    if kind == "B":
        return len(raw)
    if kind == "N":
        digits = raw.lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in raw)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in raw)
    raise ValueError(f"unknown DynamoDB attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """Bytes of an item in DynamoDB's wire format (``{"name": {"S": "..."}}``)."""
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def wcu(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class _Write:
    """One item a call writes: where, what is sent (None for an update or a check), how often."""

    table: str
    key: dict[str, Any]
    item: dict[str, Any] | None
    factor: int
    before: int = 0


def _writes(operation: str, params: dict[str, Any]) -> list[_Write]:
    if operation == "PutItem":
        item = params["Item"]
        return [_Write(params["TableName"], _key(item), item, 1)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [_Write(params["TableName"], params["Key"], None, 1)]
    if operation == "BatchWriteItem":
        out: list[_Write] = []
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    out.append(_Write(table, _key(item), item, 1))
                else:
                    out.append(_Write(table, request["DeleteRequest"]["Key"], None, 1))
        return out
    return [_transact_write(entry) for entry in params["TransactItems"]]


def _transact_write(entry: dict[str, Any]) -> _Write:
    (body,) = entry.values()
    item = body.get("Item")
    key = _key(item) if item is not None else body["Key"]
    return _Write(body["TableName"], key, item, 2)


def _key(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in KEY_NAMES if name in item}


@dataclass
class AwsMeter:
    """Counts the AWS calls (``"dynamodb.PutItem"``), DynamoDB item writes and their write units
    of the clients it is attached to, or of every client created while ``installed()``.

    ``writes`` counts items (a transaction of a claim check and 99 puts is 100), ``units`` their
    WCU, ``sizes`` each written item's size after the write. Stored items are read through
    ``reader`` (a DynamoDB client of the same account and region; by default one built from the
    environment), whose calls are not counted. Calls are counted only while ``counting``.
    """

    reader: Any = None
    calls: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    units: int = 0
    sizes: list[int] = field(default_factory=list)
    counting: bool = True
    _pending: list[_Write] = field(default_factory=list)
    _reading: bool = False

    def reset(self) -> None:
        self.calls.clear()
        self.writes = self.units = 0
        self.sizes.clear()

    def attach(self, client: Any) -> Any:
        """Count this client's calls; returns the client."""
        for event, handler in self._handlers():
            client.meta.events.register(event, handler, unique_id=f"meter-{id(self)}-{event}")
        return client

    def _handlers(self) -> list[tuple[str, Any]]:
        return [
            ("before-call", self._count),
            ("before-parameter-build", self._before),
            ("after-call", self._after),
        ]

    @contextmanager
    def installed(self) -> Iterator[AwsMeter]:
        """Count the calls of every botocore client created inside the block (the way moto
        installs its stubber): the pipeline's composition root builds its own clients."""
        handlers = self._handlers()
        botocore.handlers.BUILTIN_HANDLERS.extend(handlers)
        try:
            yield self
        finally:
            for handler in handlers:
                botocore.handlers.BUILTIN_HANDLERS.remove(handler)

    def _count(self, model: Any, **_: Any) -> None:
        if not self._reading and self.counting:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """Before the request is built: the items it writes, and their size before it."""
        if self._reading or not self.counting:
            return
        self._pending = []
        if model.service_model.service_name == "dynamodb" and model.name in WRITE_OPERATIONS:
            self._pending = _writes(model.name, params)
            for write in self._pending:
                write.before = self._stored_size(write)

    def _after(self, model: Any, **_: Any) -> None:
        """After the call (also a refused one): the items' units, billed on the larger size."""
        if self._reading or not self._pending:
            return
        writes, self._pending = self._pending, []
        for write in writes:
            if write.item is not None:
                after = item_size(write.item)
            elif model.name == "DeleteItem":
                after = 0
            else:
                after = self._stored_size(write)
            self.sizes.append(after)
            self.writes += 1
            self.units += write.factor * wcu(max(write.before, after))

    def _stored_size(self, write: _Write) -> int:
        self._reading = True
        try:
            if self.reader is None:
                self.reader = boto3.session.Session().client("dynamodb")
            found = self.reader.get_item(TableName=write.table, Key=write.key, ConsistentRead=True)
        finally:
            self._reading = False
        item = found.get("Item")
        return item_size(item) if item else 0
