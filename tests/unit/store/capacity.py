"""DynamoDB write units as AWS bills them, counted on the client (moto reports none).

A write costs ceil(item size / 1 KB) WCU (a transactional write twice that); an item's size is
the UTF-8 length of every attribute name plus its value (DynamoDB's documented item size rules:
strings by UTF-8 bytes, numbers about 1 byte per 2 digits + 1, booleans/null 1 byte, maps and
lists their contents plus 3 bytes + 1 per element). A ConditionCheck costs 1 WCU (2 in a
transaction it is part of); an UpdateItem is counted at the size of the updated attributes, a
lower bound (AWS bills the larger of the item before and after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind in ("S", "B"):
        return len(raw.encode("utf-8")) if kind == "S" else len(raw)
    if kind == "N":
        digits = raw.lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in raw)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in raw)
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def wcu(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class Meter:
    """Wraps a boto3 dynamodb client; counts writes and their units."""

    client: Any
    units: int = 0
    writes: int = 0
    sizes: list[int] = field(default_factory=list)

    def _put(self, item: dict[str, Any], factor: int = 1) -> None:
        size = item_size(item)
        self.sizes.append(size)
        self.writes += 1
        self.units += factor * wcu(size)

    def put_item(self, **kwargs: Any) -> Any:
        self._put(kwargs["Item"])
        return self.client.put_item(**kwargs)

    def update_item(self, **kwargs: Any) -> Any:
        values = kwargs.get("ExpressionAttributeValues") or {}
        self._put({**kwargs["Key"], **values})
        return self.client.update_item(**kwargs)

    def batch_write_item(self, **kwargs: Any) -> Any:
        for requests in kwargs["RequestItems"].values():
            for request in requests:
                if "PutRequest" in request:
                    self._put(request["PutRequest"]["Item"])
        return self.client.batch_write_item(**kwargs)

    def transact_write_items(self, **kwargs: Any) -> Any:
        for entry in kwargs["TransactItems"]:
            if "Put" in entry:
                self._put(entry["Put"]["Item"], factor=2)
            elif "ConditionCheck" in entry:
                self.writes += 1
                self.units += 2
            elif "Update" in entry:
                upd = entry["Update"]
                self._put({**upd["Key"], **(upd.get("ExpressionAttributeValues") or {})}, 2)
        return self.client.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)
