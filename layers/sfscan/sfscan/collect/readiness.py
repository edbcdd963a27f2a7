"""Can the scanner read everything the rules need in this org? (``sfscan doctor``)

One check, run by ``sfscan doctor``, at the start of every live scan (``collection.readiness``)
and by ``sfscan org test``: the scanner user's own effective permissions (UserPermissionAccess,
readable by every user), ``describe`` of every sObject and field the rules read (a missing or
renamed field is a named gap), Metadata API access, the daily API budget, and whether the
scanner user itself passes the control (API Only, Login IP Ranges, the IP it logs in from).
What each source needs comes from the fact table (facts.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from simple_salesforce.format import format_soql

from sfscan.collect import facts
from sfscan.collect.client import OrgClient
from sfscan.collect.credentials import OrgCredentials
from sfscan.collect.errors import RequestLimitReached, SourceUnavailable
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import HttpConfig, ScanSession
from sfscan.collect.metadata import MetadataReader
from sfscan.collect.plan import LISTED_METADATA_TYPES, plan_fields, select
from sfscan.domain.errors import ScanIncompleteError

Readable = bool | None  # None: could not be decided (the permissions were unreadable)


@dataclass(frozen=True)
class SourceStatus:
    key: str
    readable: Readable
    reason: str = ""  # what is missing: a permission, fields, the object, an API version
    optional_gaps: tuple[str, ...] = ()  # optional fields this org does not describe
    code: str = ""  # MISSING_PERMISSION, MISSING_FIELD, API_VERSION, or the org's error code

    @property
    def unavailable_reason(self) -> str:
        """The snapshot's ``unavailable`` entry for this source."""
        return f"{self.code or 'UNKNOWN'}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        src = facts.source(self.key)
        out: dict[str, Any] = {"readable": self.readable, "api": src.api}
        if src.min_api:
            out["min_api_version"] = f"{src.min_api}.0"
        if self.reason:
            out["reason"] = self.unavailable_reason
        if self.optional_gaps:
            out["optional_fields_missing"] = list(self.optional_gaps)
        return out


@dataclass(frozen=True)
class ScannerControl:
    """Does the scanner's own user pass the control it checks?"""

    api_only: Readable
    login_ip_ranges: tuple[str, ...] | None  # None: could not be read
    source_ip: str | None  # of its latest login, when LoginHistory shows one
    source_ip_inside: Readable

    @property
    def passes(self) -> Readable:
        if self.api_only is False or self.login_ip_ranges == () or self.source_ip_inside is False:
            return False
        if self.api_only and self.login_ip_ranges and self.source_ip_inside is not None:
            return True
        return None

    def to_json(self) -> dict[str, Any]:
        ranges = None if self.login_ip_ranges is None else list(self.login_ip_ranges)
        return {
            "passes": self.passes,
            "api_only": self.api_only,
            "login_ip_ranges": ranges,
            "source_ip": self.source_ip,
            "source_ip_inside_ranges": self.source_ip_inside,
        }


@dataclass
class Readiness:
    api_version: str
    user_id: str | None
    permissions: dict[str, Readable]  # Permissions<Name> field -> held
    sources: dict[str, SourceStatus]
    scanner: ScannerControl
    daily_api: dict[str, int] | None = None
    problems: list[str] = field(default_factory=list)  # checks that could not run
    instance_url: str = ""
    # Fields each sObject/tooling source has in this org (not reported; used by the collector).
    described: dict[str, set[str] | None] = field(default_factory=dict, repr=False)
    # fullNames per metadata type the check listed (the collector reads them, not lists again).
    listed: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """Everything the rules read is readable."""
        return all(s.readable is True for s in self.sources.values()) and not self.problems

    def missing(self) -> dict[str, str]:
        return {k: s.reason for k, s in self.sources.items() if s.readable is not True}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "instance_url": self.instance_url,
            "api_version": self.api_version,
            "user_id": self.user_id,
            "permissions": {
                p.label: self.permissions.get(p.field) for p in facts.SCANNER_PERMISSIONS
            },
            "sources": {k: s.to_json() for k, s in self.sources.items()},
            "daily_api": self.daily_api,
            "scanner_user": self.scanner.to_json(),
            "problems": list(self.problems),
        }


# -- the pieces ---------------------------------------------------------------------------------


def _describe(client: OrgClient, src: facts.Source) -> set[str]:
    # From the Composite prefetch of check(), else a call of its own.
    return client.describe_field_names(src.name, tooling=src.api == "tooling")


PERMISSIONS_QUERY = select(
    [p.field for p in facts.SCANNER_PERMISSIONS], "UserPermissionAccess"
)  # every permission the fact table knows; an org that lacks one refuses it (INVALID_FIELD)


def _permission_rows(client: OrgClient, wanted: list[str]) -> list[dict[str, Any]]:
    try:
        rows = client.prefetched(PERMISSIONS_QUERY)
    except SourceUnavailable as exc:
        if exc.code != "INVALID_FIELD":
            raise
        rows = None  # this org lacks one of them: select those it describes
    if rows is not None:
        return rows
    described = _describe(client, facts.source("sobject:UserPermissionAccess"))
    present = [f for f in wanted if f in described]
    return client.query(select(present, "UserPermissionAccess")) if present else [{}]


def _permissions(client: OrgClient, problems: list[str]) -> dict[str, Readable]:
    """The scanner user's effective permissions; a permission this org does not describe on
    UserPermissionAccess does not exist in it, so it is not held."""
    wanted = [p.field for p in facts.SCANNER_PERMISSIONS]
    try:
        rows = _permission_rows(client, wanted)
    except SourceUnavailable as exc:
        problems.append(f"the scanner's own permissions could not be read ({exc.reason})")
        return dict.fromkeys(wanted)
    row = rows[0] if rows else {}
    return {f: row.get(f) is True for f in wanted}


def _permission_gap(src: facts.Source, held: dict[str, Readable]) -> tuple[Readable, str]:
    if not src.needs:
        return True, ""
    values = [held.get(p.field) for p in src.needs]
    if any(v is True for v in values):
        return True, ""
    lacking = " or ".join(p.label for p in src.needs)
    if any(v is None for v in values):
        return None, f"could not confirm that the scanner's user has {lacking}"
    if src.without == "own rows":
        return False, (
            f"the scanner's user lacks {lacking}: the org would return only the scanner's own "
            "rows, without an error; grant the permission"
        )
    return False, f"the scanner's user lacks {lacking}; grant the permission"


def _fields_gap(
    client: OrgClient, src: facts.Source, described: dict[str, set[str] | None]
) -> tuple[str, str, tuple[str, ...]]:
    """(error code, reason, optional gaps); no code when every required field is there."""
    try:
        names: set[str] | None = _describe(client, src)
    except SourceUnavailable as exc:
        described[src.key] = None
        if exc.code == "NOT_FOUND":  # describe's answer for an object this org does not have
            return "INVALID_TYPE", f"this org has no {src.name} object (describe: not found)", ()
        return exc.code, f"describe of {src.name} failed: {exc.message}", ()
    described[src.key] = names
    fields = plan_fields(src.key, names)
    version = client.api_version
    if fields.missing_required:
        listed = ", ".join(f"{src.name}.{f}" for f in fields.missing_required)
        reason = (
            f"this org (API v{version}) does not describe {listed}; "
            "the rules that need it report NOT_AVAILABLE"
        )
        return "MISSING_FIELD", reason, ()
    return "", "", tuple(f"{src.name}.{f}" for f in fields.missing_optional)


def _metadata_probe(client: OrgClient) -> tuple[dict[str, list[str]], dict[str, str]]:
    """listMetadata of the metadata types the collector lists: (fullNames per listed type,
    type -> why it failed). The collector reads the items it lists here instead of listing
    again. (SecuritySettings is read by name, not listed; its readiness is its permission.)"""
    types = list(LISTED_METADATA_TYPES)
    reader = MetadataReader(client.soap, client.api_version)
    try:
        return reader.list_names(types)
    except SourceUnavailable as exc:  # a batch of one type failed as a whole
        return {}, dict.fromkeys(types, exc.reason)


def _source_status(
    client: OrgClient,
    src: facts.Source,
    held: dict[str, Readable],
    described: dict[str, set[str] | None],
    metadata_errors: dict[str, str],
) -> SourceStatus:
    if src.min_api > float(client.api_version):
        reason = f"needs API version {src.min_api}.0 or later"
        return SourceStatus(src.key, False, reason, code="API_VERSION")
    readable, reason = _permission_gap(src, held)
    code = "" if readable is True else "MISSING_PERMISSION"
    gaps: tuple[str, ...] = ()
    if src.api == "metadata":
        metadata_error = metadata_errors.get(src.name, "")
        if metadata_error and readable is not False:
            code, _, message = metadata_error.partition(":")
            readable, reason = False, f"the Metadata API refused: {message.strip()}"
    else:
        fields_code, fields_reason, gaps = _fields_gap(client, src, described)
        if fields_code:
            code = code if readable is False else fields_code
            readable = False
            reason = "; ".join(r for r in (reason, fields_reason) if r)
    return SourceStatus(src.key, readable, reason, gaps, code.strip())


def _daily_api(client: OrgClient, problems: list[str]) -> dict[str, int] | None:
    usage = client.daily_api()  # the Sforce-Limit-Info header: no call of its own
    if usage is not None:
        used, most = usage
        return {"max": most, "remaining": max(0, most - used)}
    try:
        daily = client.limits().get("DailyApiRequests") or {}
    except SourceUnavailable as exc:
        problems.append(f"the daily API budget could not be read ({exc.reason})")
        return None
    return {"max": int(daily.get("Max") or 0), "remaining": int(daily.get("Remaining") or 0)}


def _inside(ip: str, ranges: tuple[str, ...]) -> bool:
    address = ipaddress.ip_address(ip)
    for text in ranges:
        start, _, end = text.partition("-")
        first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
        if first.version == address.version and int(first) <= int(address) <= int(last):
            return True
    return False


def scanner_profile_queries(user_id: str, profile_id: str | None) -> tuple[str, str]:
    """The scanner user's profile, and that profile's Login IP Ranges."""
    return (
        format_soql("SELECT ProfileId FROM User WHERE Id = {}", user_id),
        format_soql(
            "SELECT StartAddress, EndAddress FROM LoginIpRange WHERE ProfileId = {}", profile_id
        ),
    )


def last_login_query(user_id: str) -> str:
    # Every user may read its own LoginHistory rows; UserId and LoginTime are filterable.
    return format_soql(
        "SELECT SourceIp, LoginTime FROM LoginHistory WHERE UserId = {} "
        "ORDER BY LoginTime DESC LIMIT 1",
        user_id,
    )


# In the Composite prefetch, the ranges query takes the profile from the User query's answer.
PROFILE_REFERENCE = "@{scanner.records[0].ProfileId}"


def _own_queries(user_id: str | None) -> dict[str, str]:
    """The readiness check's queries, by Composite reference id."""
    queries = {"permissions": PERMISSIONS_QUERY}
    if user_id:
        profile, ranges = scanner_profile_queries(user_id, PROFILE_REFERENCE)
        queries |= {"scanner": profile, "ranges": ranges, "lastLogin": last_login_query(user_id)}
    return queries


def _scanner_ranges(client: OrgClient, user_id: str) -> tuple[str, ...] | None:
    try:
        rows = client.prefetched(scanner_profile_queries(user_id, PROFILE_REFERENCE)[1])
        if rows is None:  # not prefetched: the two queries one after the other
            users = client.query(scanner_profile_queries(user_id, None)[0])
            profile_id = users[0].get("ProfileId") if users else None
            rows = client.query(scanner_profile_queries(user_id, profile_id)[1])
    except SourceUnavailable:
        return None
    return tuple(f"{r.get('StartAddress')}-{r.get('EndAddress')}" for r in rows)


def _last_source_ip(client: OrgClient, user_id: str) -> str | None:
    try:
        rows = client.query(last_login_query(user_id))
    except SourceUnavailable:
        return None
    return str(rows[0]["SourceIp"]) if rows and rows[0].get("SourceIp") else None


def _scanner_control(
    client: OrgClient, user_id: str | None, held: dict[str, Readable]
) -> ScannerControl:
    api_only = held.get(facts.API_ONLY.field)
    if not user_id:
        return ScannerControl(api_only, None, None, None)
    ranges = _scanner_ranges(client, user_id)
    source_ip = _last_source_ip(client, user_id)
    inside: Readable = None
    if source_ip and ranges is not None:
        inside = _inside(source_ip, ranges) if ranges else False
    return ScannerControl(api_only, ranges, source_ip, inside)


def _prefetch(client: OrgClient, tooling: bool, extra: Sequence[str]) -> None:
    """Every describe and query of this check, and the caller's small fixed queries, in one
    REST or Tooling Composite request (one API call)."""
    names = [s.name for s in facts.SOURCES if s.api == ("tooling" if tooling else "rest")]
    own = {} if tooling else _own_queries(client.grant.user_id)
    client.prefetch(names, own | {f"c{n}": q for n, q in enumerate(extra)}, tooling=tooling)


def _first_requests(
    client: OrgClient, queries: Sequence[str], tooling_queries: Sequence[str], concurrency: int
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The REST Composite, the Tooling Composite and listMetadata do not depend on each other:
    sent together, they cost one round trip to the org instead of three."""
    workers = max(1, min(3, concurrency))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfscan-readiness")
    interrupted = False
    try:
        rest = pool.submit(_prefetch, client, False, queries)
        tooling = pool.submit(_prefetch, client, True, tooling_queries)
        metadata = pool.submit(_metadata_probe, client)
        rest.result()
        tooling.result()
        return metadata.result()
    except KeyboardInterrupt:  # Ctrl-C: stop now, do not wait for calls in flight
        interrupted = True
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)


def check(
    client: OrgClient,
    *,
    queries: Sequence[str] = (),
    tooling_queries: Sequence[str] = (),
    concurrency: int = 3,
) -> Readiness:
    """Run every readiness check against the org the client is logged in to. ``queries`` and
    ``tooling_queries``: fixed queries the caller will send next, fetched in the same Composite
    requests (the collection's Organization and Tooling queries). ``concurrency``: requests in
    flight at once (at most 3 are independent)."""
    problems: list[str] = []
    listed, metadata_errors = _first_requests(client, queries, tooling_queries, concurrency)
    held = _permissions(client, problems)
    described: dict[str, set[str] | None] = {}
    sources = {
        src.key: _source_status(client, src, held, described, metadata_errors)
        for src in facts.SOURCES
        if src.key != "sobject:UserPermissionAccess"
    }
    user_id = client.grant.user_id
    return Readiness(
        api_version=client.api_version,
        user_id=user_id,
        permissions=held,
        sources=sources,
        scanner=_scanner_control(client, user_id, held),
        daily_api=_daily_api(client, problems),
        problems=problems,
        described=described,
        listed=listed,
        instance_url=client.grant.instance_url,
    )


def check_credentials(
    credentials: OrgCredentials,
    *,
    host_policy: HostPolicy,
    ca_bundle: str | None = None,
    http_config: HttpConfig | None = None,
) -> Readiness:
    """Log in with the org's credentials and run :func:`check` (``sfscan doctor``, ``sfscan
    org test``). A refused login or an exhausted API budget raises ScanIncompleteError."""
    session = ScanSession(host_policy, ca_bundle=ca_bundle, config=http_config)
    try:
        return check(OrgClient(credentials, session, host_policy))
    except RequestLimitReached:
        raise ScanIncompleteError(
            "Salesforce API request limit reached for this org (REQUEST_LIMIT_EXCEEDED); "
            "try again after the 24-hour window"
        ) from None
    finally:
        session.close()
