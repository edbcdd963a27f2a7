"""Start a scan run: list the registered orgs and queue one scan request per org."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.domain.errors import InputError, SfscanError
from sfscan.domain.timestamps import parse_iso
from sfscan.domain.timestamps import utc_iso as iso

SQS_MAX_BATCH = 10  # SendMessageBatch takes at most 10 entries


class DispatchError(SfscanError):
    """Some scan requests could not be queued (the run is retried by the scheduler)."""


@dataclass(frozen=True)
class RegisteredOrg:
    name: str  # the secret name without the prefix
    secret_name: str


@dataclass(frozen=True)
class ScanRequest:
    """The SQS message body: scan this org as part of this run."""

    scan_id: str
    org_name: str
    secret_name: str
    requested_at: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "scan_id": self.scan_id,
                "org_name": self.org_name,
                "secret_name": self.secret_name,
                "requested_at": iso(self.requested_at),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, body: str) -> ScanRequest:
        try:
            data = json.loads(body)
            if not SCAN_ID.fullmatch(str(data["scan_id"])):
                raise ValueError(f"scan_id {data['scan_id']!r} does not sort by time")
            return cls(
                scan_id=str(data["scan_id"]),
                org_name=str(data["org_name"]),
                secret_name=str(data["secret_name"]),
                requested_at=parse_iso(str(data["requested_at"])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not a scan request message: {exc}") from None


@dataclass(frozen=True)
class DispatchResult:
    scan_id: str
    orgs: tuple[str, ...]


# Scans of one org are ordered by scan id (sfscan.store: a newer scan supersedes an older one),
# so every scan id must sort by time: "20261128T030000Z-1a2b3c4d".
SCAN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-z]{1,32}")


def given_scan_id(event: Mapping[str, Any]) -> str:
    """A scan id the event names (a re-run of a known scan); "" when it names none."""
    given = str(event.get("scan_id") or "")
    if given and not SCAN_ID.fullmatch(given):
        raise InputError(
            f"scan_id {given!r} is not a time-sortable scan id like 20261128T030000Z-1a2b3c4d; "
            "leave it out to start a new scan run"
        )
    return given


def new_scan_id(event: Mapping[str, Any], now: datetime) -> str:
    """Time-sortable and unique per run: ``20261128T030000Z-1a2b3c4d``.

    The scheduler passes its scheduled time and execution id (template Input); a retried
    invocation of the same execution gets the same scan id, so orgs are not scanned twice. A run
    started by hand gets a tag that begins with the millisecond (3 hex digits), so two runs
    started within one second still sort in the order they started (a later scan of an org
    supersedes an earlier one: a random tag alone would order them by chance).
    """
    when = now
    scheduled = str(event.get("scheduled_time") or "")
    if scheduled and not scheduled.startswith("<"):
        try:
            when = parse_iso(scheduled)
        except ValueError:
            when = now
    run = re.sub(r"[^A-Za-z0-9]", "", str(event.get("scan_run") or ""))
    if not run or str(event.get("scan_run", "")).startswith("<"):
        run = f"{when.microsecond // 1000:03x}{uuid.uuid4().hex}"
    return f"{when.astimezone(UTC):%Y%m%dT%H%M%SZ}-{run[:8].lower()}"


def list_registered_orgs(secrets_client: Any, prefix: str) -> list[RegisteredOrg]:
    """Every secret whose name starts with ``prefix`` (not scheduled for deletion)."""
    orgs: list[RegisteredOrg] = []
    try:
        pages = secrets_client.get_paginator("list_secrets").paginate(
            Filters=[{"Key": "name", "Values": [prefix]}], IncludePlannedDeletion=False
        )
        for page in pages:
            for entry in page.get("SecretList", []):
                name = entry.get("Name", "")
                # The name filter matches prefixes; check again so 'sfscan/orgs-old/x' never counts.
                if (
                    name.startswith(prefix)
                    and len(name) > len(prefix)
                    and not entry.get("DeletedDate")
                ):
                    orgs.append(RegisteredOrg(name=name[len(prefix) :], secret_name=name))
    except (ClientError, BotoCoreError) as exc:
        raise DispatchError(f"cannot list org secrets under {prefix!r}: {exc}") from exc
    return sorted(orgs, key=lambda o: o.name)


class ScanQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, requests: Sequence[ScanRequest]) -> None:
        failed: list[str] = []
        for start in range(0, len(requests), SQS_MAX_BATCH):
            batch = requests[start : start + SQS_MAX_BATCH]
            entries = [{"Id": str(i), "MessageBody": r.to_json()} for i, r in enumerate(batch)]
            try:
                resp = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise DispatchError(f"cannot queue scan requests: {exc}") from exc
            failed += [batch[int(f["Id"])].org_name for f in resp.get("Failed", [])]
        if failed:
            raise DispatchError(f"could not queue scans for: {', '.join(failed)}")


def dispatch_scan_run(
    event: Mapping[str, Any],
    *,
    list_orgs: Callable[[], list[RegisteredOrg]],
    queue: ScanQueue,
    now: datetime,
) -> DispatchResult:
    """Queue one scan per registered org. ``event["orgs"]`` (optional) limits the run to the
    named orgs, which is how a person scans one org now by hand."""
    scan_id = given_scan_id(event) or new_scan_id(event, now)
    orgs = list_orgs()
    wanted = event.get("orgs")
    if wanted:
        names = {str(n) for n in wanted}
        unknown = names - {o.name for o in orgs}
        if unknown:
            raise InputError(f"not registered: {', '.join(sorted(unknown))}")
        orgs = [o for o in orgs if o.name in names]
    requests = [
        ScanRequest(scan_id=scan_id, org_name=o.name, secret_name=o.secret_name, requested_at=now)
        for o in orgs
    ]
    queue.send(requests)
    return DispatchResult(scan_id=scan_id, orgs=tuple(o.name for o in orgs))
