"""What the simulated org answers, independent of the HTTP plumbing (orgsim.server).

One ``Request`` in, one ``Response`` out. Every REST/SOAP call gets a 1-based call number,
which the faults key on; the token endpoint, the versions list and the admin call do not count.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from sfscan.collect import facts

from orgsim import composite, soap
from orgsim.access import (
    USER_PERMISSION_ACCESS,
    Caller,
    caller_now,
    check_object,
    hidden_fields,
    hide_fields,
    metadata_refusal,
    narrow,
    permission_row,
)
from orgsim.admin import apply_admin_action
from orgsim.auth import Session, Sessions, TokenEndpoint, TokenError
from orgsim.faults import Faults
from orgsim.refusals import check_query, describe_field, evaluate_as_org
from orgsim.soql import SoqlError, parse
from orgsim.soql_eval import ObjectData, Outcome
from orgsim.store import AdminError, OrgStore

API_VERSIONS = tuple(f"{v}.0" for v in range(50, 66))
FORBIDDEN_CODES = frozenset(
    {"REQUEST_LIMIT_EXCEEDED", "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"}
)
_DATA_PATH = re.compile(r"^/services/data/v(\d+\.\d)(/.*)?$")
_SOAP_PATH = re.compile(r"^/services/Soap/m/(\d+\.\d)/?$")
_CURSOR = re.compile(r"^(01gSIM\d{12})-(\d+)$")
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    drip_interval_s: float = 0.0  # > 0: the server sends the body one byte at a time


@dataclass(frozen=True)
class LogEntry:
    call_number: int | None  # None: not an API call (token, versions, admin)
    method: str
    path: str
    soql: str | None
    status: int


def json_response(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode())


def error_response(status: int, code: str, message: str) -> Response:
    return json_response(status, [{"message": message, "errorCode": code}])


@dataclass(frozen=True)
class _Cursor:
    outcome: Outcome
    tooling: bool
    sobject: str
    batch_size: int


class OrgApi:
    def __init__(
        self,
        store: OrgStore,
        sessions: Sessions,
        tokens: TokenEndpoint,
        faults: Faults,
        full_access_username: str | None = None,
    ) -> None:
        # full_access_username: the default user, a fully provisioned scanner (access.py).
        self.full_access_username = full_access_username
        self.store = store
        self.sessions = sessions
        self.tokens = tokens
        self._faults = faults
        self._lock = threading.Lock()
        self._calls = 0
        self._cursors: dict[str, _Cursor] = {}
        self.request_log: list[LogEntry] = []

    # -- state -------------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    @property
    def api_calls(self) -> int:
        with self._lock:
            return self._calls

    def _next_call(self) -> int:
        with self._lock:
            self._calls += 1
            return self._calls

    def _log(self, call: int | None, req: Request, soql: str | None, status: int) -> None:
        with self._lock:
            self.request_log.append(LogEntry(call, req.method, req.path, soql, status))

    # -- entry point -----------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        data_match = _DATA_PATH.match(req.path)
        soap_match = _SOAP_PATH.match(req.path)
        endpoint = "rest" if data_match else "soap" if soap_match else "token"
        location = faults.redirect_location(endpoint, req.path)
        if location is not None:
            self._log(None, req, None, 307)
            return Response(307, b"", "text/plain", {"Location": location})
        if not (data_match or soap_match):
            resp = self._outside_api(req)
            self._log(None, req, None, resp.status)
            return resp
        call = self._next_call()
        resp = self._api_call(req, call, faults, data_match, soap_match)
        resp.headers["Sforce-Limit-Info"] = f"api-usage={call}/{faults.daily_api_max}"
        if call in faults.truncate_body_on:
            resp.body = resp.body[: len(resp.body) // 2]
        if call in faults.drip_on:
            resp.drip_interval_s = faults.drip_interval_ms / 1000
        self._log(call, req, req.params.get("q") if data_match else None, resp.status)
        return resp

    def _outside_api(self, req: Request) -> Response:
        if req.path.rstrip("/") == "/services/oauth2/token" and req.method == "POST":
            return self._token(req)
        if req.path.rstrip("/") == "/services/data" and req.method == "GET":
            return json_response(
                200,
                [
                    {"label": f"v{v}", "url": f"/services/data/v{v}", "version": v}
                    for v in API_VERSIONS
                ],
            )
        if req.path == "/__orgsim/admin" and req.method == "POST":
            return self._admin(req)
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")

    def _api_call(
        self,
        req: Request,
        call: int,
        faults: Faults,
        data_match: re.Match[str] | None,
        soap_match: re.Match[str] | None,
    ) -> Response:
        is_soap = soap_match is not None
        if call in faults.server_error_on:
            return Response(503, b"Service Unavailable (orgsim fault)", "text/plain")
        if is_soap:
            try:
                soap_req = soap.parse_request(req.body)
            except soap.SoapRequestError as exc:
                return _soap_fault("INVALID_SOAP_REQUEST", str(exc))
            token = soap_req.session_id or ""
        else:
            auth = req.headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        session = self.sessions.find(token)
        if session is None or not self.sessions.valid(token, call, faults):
            if is_soap:
                return _soap_fault(
                    "INVALID_SESSION_ID",
                    "Invalid Session ID found in SessionHeader: Illegal Session",
                )
            return json_response(401, INVALID_SESSION)
        if faults.request_limit_after is not None and call > faults.request_limit_after:
            if is_soap:
                return _soap_fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return error_response(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        caller = self._caller(session)
        if soap_match is not None:
            return self._soap(soap_req, faults, caller)
        assert data_match is not None
        rest = (data_match.group(2) or "/").strip("/")
        return self._rest(req, data_match.group(1), rest, call, caller)

    def _caller(self, session: Session) -> Caller:
        full = self.full_access_username is not None and (
            session.username.casefold() == self.full_access_username.casefold()
        )
        return self.store.caller(session.username, full=full)

    # -- token and admin -------------------------------------------------------------------------

    def _token(self, req: Request) -> Response:
        basic = _basic_auth(req.headers.get("authorization", ""))
        try:
            payload = self.tokens.grant(req.params, basic, self.api_calls)
        except TokenError as exc:
            return json_response(400, {"error": exc.error, "error_description": exc.description})
        return json_response(200, payload)

    def _admin(self, req: Request) -> Response:
        auth = req.headers.get("authorization", "")
        if auth[:7].lower() != "bearer " or self.sessions.find(auth[7:].strip()) is None:
            return json_response(401, INVALID_SESSION)
        try:
            action = json.loads(req.body or b"{}")
            result = apply_admin_action(self.store, action)
        except (ValueError, TypeError, AdminError) as exc:
            return json_response(400, {"ok": False, "error": str(exc)})
        return json_response(200, {"ok": True, **result})

    # -- REST ------------------------------------------------------------------------------------

    def _rest(self, req: Request, version: str, rest: str, call: int, caller: Caller) -> Response:
        tooling = rest.startswith("tooling/") or rest == "tooling"
        resource = rest[len("tooling/") :] if tooling else rest
        head, _, tail = resource.partition("/")
        if head == "composite" and not tail and req.method == "POST":
            return self._composite(req, version, call, caller, tooling)
        if req.method != "GET":
            return error_response(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed"
            )
        if head in ("query", "queryAll") and not tail:
            soql = req.params.get("q")
            if not soql:
                return error_response(400, "MALFORMED_QUERY", "A query string has to be specified")
            return self._query(version, soql, tooling, _batch_size(req.headers), caller)
        if head in ("query", "queryAll") and tail:
            return self._more(version, tail, req.headers)
        if head == "limits" and not tail and not tooling:
            max_calls = self.faults.daily_api_max
            return json_response(
                200,
                {
                    "DailyApiRequests": {"Max": max_calls, "Remaining": max(0, max_calls - call)},
                    "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                    "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
                },
            )
        describe = re.fullmatch(r"sobjects/(\w+)/describe", resource)
        if describe:
            return self._describe(version, describe.group(1), tooling, caller)
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")

    def _composite(
        self, req: Request, version: str, call: int, caller: Caller, tooling: bool
    ) -> Response:
        """``POST [/tooling]/composite``: one API call for up to 25 subrequests (composite.py)."""

        def run(resource: str, params: dict[str, str]) -> composite.Answer:
            inner = Request("GET", f"/services/data/v{version}/{resource}", params, {})
            resp = self._rest(inner, version, resource, call, caller)
            return resp.status, json.loads(resp.body or b"null")

        try:
            return json_response(200, composite.answer(req.body, version, tooling, run))
        except composite.CompositeError as exc:
            return error_response(400, "JSON_PARSER_ERROR", str(exc))

    def _query(
        self, version: str, soql: str, tooling: bool, batch_size: int, caller: Caller
    ) -> Response:
        section = "tooling" if tooling else "sobject"
        try:
            query = parse(soql, caller_now(self.store.captured_at, caller))
            refusal = self.faults.refusal(query.sobject)
            if refusal == "INVALID_TYPE":
                raise SoqlError(refusal, f"sObject type '{query.sobject}' is not supported.")
            if refusal is not None:
                raise SoqlError(refusal, f"insufficient access rights on object {query.sobject}")
            data = self._object_data(section, query.sobject, version, caller)
            check_query(query, section, data.name)
            outcome = evaluate_as_org(query, data)
        except SoqlError as exc:
            return error_response(
                403 if exc.code in FORBIDDEN_CODES else 400, exc.code, exc.message
            )
        sobject = data.name
        if not outcome.pageable:
            batch_size = max(outcome.total_size, 1)
        elif sobject == "OauthToken":  # 500 a batch, 2,500 in all (facts.py)
            batch_size = facts.OAUTH_TOKEN_BATCH
            outcome = replace(outcome, total_size=min(outcome.total_size, facts.OAUTH_TOKEN_CAP))
        cursor = _Cursor(outcome, tooling, sobject, batch_size)
        return self._page(version, cursor, self._remember(cursor), 0, batch_size)

    def _object_data(self, section: str, name: str, version: str, caller: Caller) -> ObjectData:
        """The object as this caller sees it at this API version (access.py)."""
        if section == "sobject" and name.casefold() == USER_PERMISSION_ACCESS.casefold():
            row = permission_row(caller)
            data = ObjectData(USER_PERMISSION_ACCESS, ("Id", *row), ((row, 1),), "0UP")
            hidden = hidden_fields(section, data.name, version, self.faults.missing_fields)
            return hide_fields(data, hidden)
        sobject = self.store.resolve_object(section, name)
        check_object(caller, section, sobject)
        data = self.store.object_data(section, sobject)
        hidden = hidden_fields(section, sobject, version, self.faults.missing_fields)
        return narrow(hide_fields(data, hidden), caller, section)

    def _remember(self, cursor: _Cursor) -> str:
        with self._lock:
            cursor_id = f"01gSIM{len(self._cursors) + 1:012d}"
            self._cursors[cursor_id] = cursor
            return cursor_id

    def _more(self, version: str, locator: str, headers: dict[str, str]) -> Response:
        m = _CURSOR.match(locator)
        with self._lock:
            cursor = self._cursors.get(m.group(1)) if m else None
        if cursor is None or m is None:
            return error_response(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        size = _batch_size(headers) if "sforce-query-options" in headers else cursor.batch_size
        if cursor.sobject == "OauthToken":
            size = facts.OAUTH_TOKEN_BATCH
        return self._page(version, cursor, m.group(1), int(m.group(2)), size)

    def _page(
        self, version: str, cursor: _Cursor, cursor_id: str, start: int, size: int
    ) -> Response:
        total = cursor.outcome.total_size
        stop = min(total, start + size)
        prefix = f"/services/data/v{version}/" + ("tooling/" if cursor.tooling else "")
        records = []
        for record_id, rec in cursor.outcome.page(start, stop):
            attrs: dict[str, str] = {"type": "AggregateResult"}
            if record_id is not None:
                attrs = {
                    "type": cursor.sobject,
                    "url": f"{prefix}sobjects/{cursor.sobject}/{record_id}",
                }
            if cursor.sobject == "OauthToken" and "Id" in rec:
                rec = {**rec, "Id": None}  # the org never gives a token's Id
            records.append({"attributes": attrs, **rec})
        payload: dict[str, Any] = {"totalSize": total, "done": stop >= total}
        if stop < total:
            payload["nextRecordsUrl"] = f"{prefix}query/{cursor_id}-{stop}"
        forced = self.faults.next_page_override(cursor.sobject, prefix, f"{cursor_id}-{start}")
        if forced is not None:
            payload.update(done=False, nextRecordsUrl=forced)
        payload["records"] = records
        return json_response(200, payload)

    def _describe(self, version: str, name: str, tooling: bool, caller: Caller) -> Response:
        section = "tooling" if tooling else "sobject"
        try:
            refusal = self.faults.refusal(name)
            if refusal == "INVALID_TYPE":
                raise SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
            if refusal is not None:  # an object the user cannot access is not described either
                raise SoqlError(refusal, f"insufficient access rights on object {name}")
            data = self._object_data(section, name, version, caller)
        except SoqlError as exc:
            if exc.code == "INVALID_TYPE":
                return error_response(404, "NOT_FOUND", "The requested resource does not exist")
            return error_response(400, exc.code, exc.message)
        prefix = "tooling" if tooling else "sobject"
        src = facts.BY_KEY.get(f"{prefix}:{data.name}")
        fields = [describe_field(name, src) for name in data.fields]
        return json_response(200, {"name": data.name, "queryable": True, "fields": fields})

    # -- SOAP ------------------------------------------------------------------------------------

    def _soap(self, req: soap.SoapRequest, faults: Faults, caller: Caller) -> Response:
        types = req.list_types if req.operation == "listMetadata" else (req.read_type,)
        if req.operation not in ("listMetadata", "readMetadata"):
            return _soap_fault(
                "UNKNOWN_EXCEPTION", f"{req.operation} is not supported by the org simulator"
            )
        no_access = metadata_refusal(caller)
        if no_access is not None:
            return _soap_fault(*no_access)
        for metadata_type in types:
            code = faults.refusal(metadata_type)
            refusal = (code, f"{metadata_type}: refused by an orgsim fault") if code else None
            refusal = refusal or self.store.metadata_refusal(metadata_type)
            if refusal is not None:
                return _soap_fault(*refusal)
        if req.operation == "listMetadata":
            items = [(t, n) for t in types for n in self.store.metadata_names(t)]
            created = self.store.captured_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            user = self.store.user_by_username(self.tokens.run_as_username) or {}
            return _soap_ok(soap.list_response(items, created, str(user.get("Id", ""))))
        # Like Salesforce, a name that cannot be read answers an empty record (no fullName),
        # keeping one record per requested name; zeep turns it into an object whose fields are
        # all None (and simple-salesforce's read() would crash on an empty result).
        records: list[dict[str, Any]] = []
        for name in req.full_names:
            rec = None
            if not faults.refusal(f"{req.read_type}:{name}"):
                rec = self.store.metadata_record(req.read_type, name)
            records.append({} if rec is None else {"fullName": rec.pop("fullName", name), **rec})
        return _soap_ok(soap.read_response(req.read_type, records))


def _soap_ok(text: str) -> Response:
    return Response(200, text.encode(), "text/xml;charset=UTF-8")


def _soap_fault(code: str, message: str) -> Response:
    return Response(500, soap.fault(code, message).encode(), "text/xml;charset=UTF-8")


def _batch_size(headers: dict[str, str]) -> int:
    m = re.search(r"batchSize\s*=\s*(\d+)", headers.get("sforce-query-options", ""))
    return min(max(int(m.group(1)), 200), 2000) if m else 2000


def _basic_auth(header: str) -> tuple[str, str] | None:
    if header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password
