"""collect_snapshot: log in, read every source the rules need, return a Snapshot.

Each source is read on its own (concurrently, a bounded pool): one that cannot be read goes to
``unavailable`` with the org's error code and the scan goes on, so the rules report
NOT_AVAILABLE for it. Reaching the org's API request limit ends the scan: every further call
would fail too, and they all count against the customer's budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sfscan.collect.client import OrgClient
from sfscan.collect.credentials import OrgCredentials
from sfscan.collect.errors import RequestLimitReached, ScanHalted, SourceUnavailable
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import CallBudget, HttpConfig, ScanSession
from sfscan.collect.login_history import collect_login_history
from sfscan.collect.metadata import MetadataReader
from sfscan.collect.plan import (
    LISTED_METADATA_TYPES,
    OAUTH_TOKEN_CAP,
    PERMISSION_OBJECTS,
    SECURITY_SETTINGS,
    SOBJECT_FIELDS,
    TOOLING_FIELDS,
    oauth_token_count_query,
    oauth_token_query,
    organization_query,
    permission_fields,
    plan_fields,
    sobject_query,
    tooling_query,
)
from sfscan.collect.readiness import Readable, Readiness, check
from sfscan.domain.errors import ScanIncompleteError
from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import SCHEMA, OrgInfo, Record, Snapshot
from sfscan.domain.timestamps import utc_iso

Progress = Callable[[str], None]


@dataclass
class _Collected:
    """What the workers found; merged under a lock."""

    sobjects: dict[str, list[Record]] = field(default_factory=dict)
    tooling: dict[str, list[Record]] = field(default_factory=dict)
    metadata: dict[str, list[Record]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    truncated: dict[str, str] = field(default_factory=dict)
    login_history: str = "aggregate"
    # The window LoginHistory was read for; the rules refuse to pass on a longer one.
    login_history_window: dict[str, str] = field(default_factory=dict)
    org: Record = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Scan:
    def __init__(
        self,
        client: OrgClient,
        settings: Settings,
        now: datetime,
        progress: Progress,
        readiness: Readiness | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.now = now
        self.progress = progress
        self.readiness = readiness
        self.found = _Collected()
        # LoginHistory cuts its users into Id ranges once the User task has read them.
        self.users_started = threading.Event()
        self.users_read = threading.Event()

    def gate(self, key: str) -> Readable:
        """Raise SourceUnavailable for a source the readiness check found unreadable (a
        missing permission or field, named); True/None (undecided) let the read go ahead."""
        status = self.readiness.sources.get(key) if self.readiness else None
        if status is None:
            return True
        if status.readable is False:
            code, _, message = status.unavailable_reason.partition(":")
            raise SourceUnavailable(code, message.strip())
        return status.readable

    def fields(self, key: str) -> tuple[str, ...]:
        """The fields of ``key`` that this org describes (all of them without readiness)."""
        described = self.readiness.described.get(key) if self.readiness else None
        return plan_fields(key, described).select

    # -- one task per source; each records its own result or why it is unavailable ----------

    def guarded(self, key: str, task: Callable[[], None]) -> None:
        try:
            task()
        except SourceUnavailable as exc:
            with self.found.lock:
                self.found.unavailable[key] = exc.reason
            self.progress(f"{key}: unavailable ({exc.reason})")

    def put(self, section: str, name: str, records: list[Record]) -> None:
        with self.found.lock:
            getattr(self.found, section)[name] = records
        self.progress(f"{name}: {len(records)} record(s)")

    def organization(self) -> None:
        rows = self.client.query(organization_query())
        if rows:
            with self.found.lock:
                self.found.org = rows[0]

    def sobject(self, name: str) -> None:
        key = f"sobject:{name}"
        self.gate(key)
        extra: tuple[str, ...] = ()
        if name in PERMISSION_OBJECTS:
            described = self.readiness.described.get(key) if self.readiness else None
            if self.readiness is None:
                try:
                    described = self.client.describe_field_names(name)
                except SourceUnavailable:
                    described = None  # select them all; INVALID_FIELD then marks the object
            extra = permission_fields(self.settings.excessive_permissions, described)
        query = sobject_query(name, extra, self.fields(key))
        if name != "User":
            self.put("sobjects", name, self.client.query(query))
            return
        self.users_started.set()
        try:
            self.put("sobjects", name, self.client.query(query))
        finally:
            self.users_read.set()

    def user_ids(self) -> list[str] | None:
        """The User Ids once read (waits if the User task is running), else None."""
        if not self.users_started.is_set():
            return None  # not started (one worker, queued behind us): never wait for it
        self.users_read.wait()
        with self.found.lock:
            users = self.found.sobjects.get("User")
        return None if users is None else [str(u.get("Id")) for u in users if u.get("Id")]

    def login_history(self) -> None:
        decided = self.gate("sobject:LoginHistory")
        start = self.now - timedelta(days=self.settings.lookback_days)
        result = collect_login_history(
            self.client.query, start, self.now, count=self.client.count, user_ids=self.user_ids
        )
        if decided is None:
            own_rows_only(result.rows, self.client.grant.user_id)
        with self.found.lock:
            self.found.login_history = result.mode
            self.found.login_history_window = {"from": utc_iso(start), "to": utc_iso(self.now)}
        self.put("sobjects", "LoginHistory", result.rows)

    def oauth_tokens(self) -> None:
        self.gate("sobject:OauthToken")
        total = self.client.count(oauth_token_count_query())
        rows = self.client.query(oauth_token_query())
        if total >= OAUTH_TOKEN_CAP or len(rows) < total:
            with self.found.lock:
                self.found.truncated["sobject:OauthToken"] = (
                    f"{OAUTH_TOKEN_CAP:,}-row cap reached: the org has {total:,} tokens, "
                    f"{len(rows):,} were returned"
                )
        self.put("sobjects", "OauthToken", rows)

    def tooling(self, name: str) -> None:
        self.gate(f"tooling:{name}")
        self.put("tooling", name, self.client.query(tooling_query(name), tooling=True))

    def listed_metadata(self, reader: MetadataReader) -> None:
        types = []
        for metadata_type in LISTED_METADATA_TYPES:
            try:
                self.gate(f"metadata:{metadata_type}")
            except SourceUnavailable as exc:
                with self.found.lock:
                    self.found.unavailable[f"metadata:{metadata_type}"] = exc.reason
                continue
            types.append(metadata_type)
        if not types:
            return
        listed = self.readiness.listed if self.readiness else {}
        failed: dict[str, str] = {}
        if all(t in listed for t in types):  # the readiness check just listed them
            names = {t: listed[t] for t in types}
        else:
            names, failed = reader.list_names(types)
        with self.found.lock:
            for metadata_type, reason in failed.items():
                self.found.unavailable[f"metadata:{metadata_type}"] = reason
        for metadata_type, full_names in names.items():
            self.guarded(
                f"metadata:{metadata_type}",
                partial(self._read_metadata, reader, metadata_type, full_names),
            )

    def _read_metadata(self, reader: MetadataReader, metadata_type: str, names: list[str]) -> None:
        read = reader.read(metadata_type, names)
        with self.found.lock:
            self.found.unavailable.update(read.unavailable)
        self.put("metadata", metadata_type, read.records)

    def security_settings(self, reader: MetadataReader) -> None:
        metadata_type, full_name = SECURITY_SETTINGS
        self.gate(f"metadata:{metadata_type}")
        read = reader.read(metadata_type, [full_name])
        key = f"metadata:{metadata_type}:{full_name}"
        if key in read.unavailable:  # the only item: the type as a whole is unreadable
            code, _, message = read.unavailable[key].partition(":")
            raise SourceUnavailable(code.strip(), message.strip())
        self.put("metadata", metadata_type, read.records)

    def tasks(self) -> list[tuple[str, Callable[[], None]]]:
        reader = MetadataReader(self.client.soap, self.client.api_version)
        out: list[tuple[str, Callable[[], None]]] = [
            ("sobject:Organization", self.organization),
            ("sobject:LoginHistory", self.login_history),
            ("metadata:ConnectedApp", lambda: self.listed_metadata(reader)),
            ("metadata:SecuritySettings", lambda: self.security_settings(reader)),
            ("sobject:OauthToken", self.oauth_tokens),
        ]
        out += [(f"sobject:{n}", partial(self.sobject, n)) for n in SOBJECT_FIELDS]
        out += [(f"tooling:{n}", partial(self.tooling, n)) for n in TOOLING_FIELDS]
        return out


def _run(scan: _Scan, budget: CallBudget, concurrency: int) -> None:
    """Run every task; the first scan-ending error halts the others and is raised."""
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="sfscan")
    futures: list[Future[None]] = [
        pool.submit(scan.guarded, key, task) for key, task in scan.tasks()
    ]
    first_error: BaseException | None = None
    interrupted = False
    try:
        for future in futures:
            try:
                future.result()
            except ScanHalted:
                continue
            except KeyboardInterrupt:  # Ctrl-C: stop now, do not wait for calls in flight
                interrupted = True
                budget.halt()
                raise
            except BaseException as exc:
                if first_error is None:
                    first_error = exc
                    budget.halt()
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    if first_error is not None:
        raise first_error


def own_rows_only(rows: list[Record], scanner_id: str | None) -> None:
    """Without a confirmed Manage Users / Monitor Login History the org may have returned only
    the scanner's own logins, silently. No row of another user means exactly that."""
    others = [r for r in rows if str(r.get("UserId") or "")[:15] != str(scanner_id or "")[:15]]
    if not others:
        raise SourceUnavailable(
            "OWN_ROWS_ONLY",
            "LoginHistory returned no login of any user but the scanner's, and the scanner's "
            "Manage Users / Monitor Login History permission could not be confirmed: grant "
            "Monitor Login History to the scanner's user",
        )


def _daily_remaining(budget: CallBudget, readiness: Readiness) -> int | None:
    """Daily requests left after the scan: from the last Sforce-Limit-Info header the org
    sent (free), else from ``/limits`` as the readiness check read it."""
    if budget.usage_used is not None and budget.usage_max is not None:
        return max(0, budget.usage_max - budget.usage_used)
    return readiness.daily_api["remaining"] if readiness.daily_api else None


def collect_snapshot(
    credentials: OrgCredentials,
    *,
    host_policy: HostPolicy,
    ca_bundle: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    concurrency: int = 4,
    http_config: HttpConfig | None = None,
    budget: CallBudget | None = None,
) -> Snapshot:
    """Collect the org the credentials open. ``captured_at`` is the scan's start (``now``)."""
    started = (now or datetime.now(UTC)).replace(microsecond=0)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    clock = time.monotonic()
    lock = threading.Lock()

    def report(line: str) -> None:
        if progress is not None:
            with lock:
                progress(line)

    budget = budget if budget is not None else CallBudget()  # given: a progress display reads it
    session = ScanSession(host_policy, ca_bundle=ca_bundle, config=http_config, budget=budget)
    settings = credentials.settings or Settings()
    try:
        client = OrgClient(credentials, session, host_policy)
        report(f"logged in to {client.grant.instance_url} ({credentials.flow})")
        readiness = check(  # with the collection's fixed queries, in the same Composite calls
            client,
            queries=[organization_query()],
            tooling_queries=[tooling_query(name) for name in TOOLING_FIELDS],
            concurrency=concurrency,
        )
        for key, why in readiness.missing().items():
            report(f"{key}: not readable ({why})")
        scan = _Scan(client, settings, started, report, readiness)
        _run(scan, budget, concurrency)
        found = scan.found
        remaining = _daily_remaining(budget, readiness)
    except RequestLimitReached:
        calls, _ = budget.snapshot()
        raise ScanIncompleteError(
            "Salesforce API request limit reached for this org (REQUEST_LIMIT_EXCEEDED); "
            "nothing was saved: try again after the 24-hour window; "
            f"sfscan made {calls} API call(s) in this scan"
        ) from None
    finally:
        session.close()
    collection = _collection(found, budget, client, readiness, remaining)
    collection["duration_s"] = round(time.monotonic() - clock, 3)
    return _snapshot(started, _org(found, client), found, collection, settings)


def _org(found: _Collected, client: OrgClient) -> Record:
    org = dict(found.org)
    org.setdefault("Id", client.grant.org_id)
    if not org.get("Id"):
        raise ScanIncompleteError(
            "could not read the org's Id (Organization query failed and the token carried no "
            "identity URL); give the scanner's user View Setup and Configuration"
        )
    return org


def _collection(
    found: _Collected,
    budget: CallBudget,
    client: OrgClient,
    readiness: Readiness,
    remaining: int | None,
) -> dict[str, Any]:
    """The snapshot's ``collection`` record: what the scan spent and saw."""
    calls, token_calls = budget.snapshot()
    return {
        "api_calls": calls,
        "token_calls": token_calls,
        "api_usage": {"used": budget.usage_used, "max": budget.usage_max},
        "daily_api_remaining": remaining,
        "truncated": dict(sorted(found.truncated.items())),
        "login_history": found.login_history,
        "login_history_window": found.login_history_window,
        "session_renewals": client.renewals,
        "instance_url": client.grant.instance_url,  # links findings to Setup (ASFF SourceUrl)
        "readiness": readiness.to_json(),  # what the scanner could read (sfscan doctor)
    }


def _snapshot(
    started: datetime,
    org: Record,
    found: _Collected,
    collection: dict[str, Any],
    settings: Settings,
) -> Snapshot:
    return Snapshot.model_validate(
        {
            "schema": SCHEMA,
            "captured_at": started,
            "org": OrgInfo.model_validate(org),
            "sobjects": dict(sorted(found.sobjects.items())),
            "tooling": dict(sorted(found.tooling.items())),
            "metadata": dict(sorted(found.metadata.items())),
            "unavailable": dict(sorted(found.unavailable.items())),
            "collection": collection,
            "settings": settings.to_json_dict(),  # what the offline scan must judge with
        }
    )
