"""Each org's settings, kept in the findings table apart from its credentials, with every change.

Items (same table and key schema as the findings, see sfscan.store.items):

- current settings: pk ``ORG#<org name>``, sk ``SETTINGS``: the validated settings JSON, its
  version, when and by whom it was last changed.
- change record: pk ``ORG#<org name>``, sk ``SETTINGS#<version, 6 digits>``: when, who (the AWS
  identity that made the change, from STS), the old and the new settings, a note.
- readiness: pk ``ORG#<org name>``, sk ``READINESS``: the last ``sfscan org test`` result.

A change writes both the new settings and its record in one transaction, conditional on the
version read, so two concurrent edits cannot both win and no change goes unrecorded. Changing
settings needs the table only, never the org's secret (its private key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.domain.settings import Settings, parse_settings
from sfscan.domain.timestamps import utc_iso as iso
from sfscan.store.dynamodb import StoreError, from_ddb, to_ddb
from sfscan.store.items import org_pk, parse_iso

SETTINGS_SK = "SETTINGS"
CHANGE_PREFIX = "SETTINGS#"
READINESS_SK = "READINESS"
ITEM_SETTINGS = "settings"
ITEM_SETTINGS_CHANGE = "settings_change"
ITEM_READINESS = "readiness"


@dataclass(frozen=True)
class StoredSettings:
    org_name: str
    settings: Settings
    version: int
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class SettingsChange:
    org_name: str
    version: int
    changed_at: datetime
    changed_by: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    note: str = ""


@dataclass(frozen=True)
class Readiness:
    org_name: str
    checked_at: datetime
    checked_by: str
    ok: bool
    summary: str


def _json(value: dict[str, Any] | None) -> str:
    return "null" if value is None else json.dumps(value, sort_keys=True)


class OrgSettingsStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _fail(self, verb: str, exc: Exception) -> StoreError:
        return StoreError(f"cannot {verb} table {self._table}: {exc}")

    def get(self, org_name: str) -> StoredSettings | None:
        """The org's stored settings, or None when none were ever stored in the table."""
        item = self._get(org_name, SETTINGS_SK)
        if item is None:
            return None
        return StoredSettings(
            org_name=org_name,
            settings=parse_settings(json.loads(item["settings"]), f"stored settings of {org_name}"),
            version=int(item["version"]),
            changed_at=parse_iso(item["changed_at"]),
            changed_by=str(item["changed_by"]),
        )

    def _get(self, org_name: str, sk: str) -> dict[str, Any] | None:
        try:
            resp = self._client.get_item(
                TableName=self._table,
                Key=to_ddb({"pk": org_pk(org_name), "sk": sk}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("read", exc) from exc
        raw = resp.get("Item")
        return from_ddb(raw) if raw else None

    def put(
        self,
        org_name: str,
        settings: Settings,
        *,
        changed_by: str,
        now: datetime,
        note: str = "",
    ) -> SettingsChange:
        """Store validated settings and the record of the change, atomically."""
        current = self.get(org_name)
        version = 1 if current is None else current.version + 1
        change = SettingsChange(
            org_name=org_name,
            version=version,
            changed_at=now,
            changed_by=changed_by,
            old=None if current is None else current.settings.to_json_dict(),
            new=settings.to_json_dict(),
            note=note,
        )
        setting_item = {
            "pk": org_pk(org_name),
            "sk": SETTINGS_SK,
            "item_type": ITEM_SETTINGS,
            "org_name": org_name,
            "settings": _json(change.new),
            "version": version,
            "changed_at": iso(now),
            "changed_by": changed_by,
        }
        put_current: dict[str, Any] = {"TableName": self._table, "Item": to_ddb(setting_item)}
        if current is None:
            put_current["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put_current["ConditionExpression"] = "version = :seen"
            put_current["ExpressionAttributeValues"] = to_ddb({":seen": current.version})
        record = {
            "TableName": self._table,
            "Item": to_ddb(self._change_item(change)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        self._transact(org_name, [{"Put": put_current}, {"Put": record}])
        return change

    def _change_item(self, change: SettingsChange) -> dict[str, Any]:
        return {
            "pk": org_pk(change.org_name),
            "sk": f"{CHANGE_PREFIX}{change.version:06d}",
            "item_type": ITEM_SETTINGS_CHANGE,
            "org_name": change.org_name,
            "version": change.version,
            "changed_at": iso(change.changed_at),
            "changed_by": change.changed_by,
            "old": _json(change.old),
            "new": _json(change.new),
            "note": change.note,
        }

    def _transact(self, org_name: str, writes: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise StoreError(
                    f"the settings of org {org_name} were changed by someone else meanwhile; "
                    "nothing was stored: look at 'sfscan org settings "
                    f"{org_name} --history' and try again"
                ) from None
            raise self._fail("write", exc) from exc
        except BotoCoreError as exc:
            raise self._fail("write", exc) from exc

    def history(self, org_name: str) -> list[SettingsChange]:
        """Every recorded change of the org's settings, oldest first."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_ddb(
                {":pk": org_pk(org_name), ":prefix": CHANGE_PREFIX}
            ),
            "ConsistentRead": True,
        }
        out: list[SettingsChange] = []
        while True:
            try:
                resp = self._client.query(**params)
            except (ClientError, BotoCoreError) as exc:
                raise self._fail("read", exc) from exc
            for raw in resp.get("Items", []):
                item = from_ddb(raw)
                out.append(
                    SettingsChange(
                        org_name=org_name,
                        version=int(item["version"]),
                        changed_at=parse_iso(item["changed_at"]),
                        changed_by=str(item["changed_by"]),
                        old=json.loads(item["old"]),
                        new=json.loads(item["new"]),
                        note=str(item.get("note", "")),
                    )
                )
            if not resp.get("LastEvaluatedKey"):
                return out
            params = {**params, "ExclusiveStartKey": resp["LastEvaluatedKey"]}

    # -- readiness (``sfscan org test``) ---------------------------------------------------------

    def put_readiness(self, readiness: Readiness) -> None:
        item = {
            "pk": org_pk(readiness.org_name),
            "sk": READINESS_SK,
            "item_type": ITEM_READINESS,
            "org_name": readiness.org_name,
            "checked_at": iso(readiness.checked_at),
            "checked_by": readiness.checked_by,
            "ok": readiness.ok,
            "summary": readiness.summary[:1000],
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_ddb(item))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("write", exc) from exc

    def get_readiness(self, org_name: str) -> Readiness | None:
        item = self._get(org_name, READINESS_SK)
        if item is None:
            return None
        return Readiness(
            org_name=org_name,
            checked_at=parse_iso(item["checked_at"]),
            checked_by=str(item["checked_by"]),
            ok=bool(item["ok"]),
            summary=str(item["summary"]),
        )
