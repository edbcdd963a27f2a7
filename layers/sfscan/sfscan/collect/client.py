"""Our adapter around ``simple_salesforce.Salesforce``: the only place that talks to the org.

- logs in with our own flow code, then builds the real client from the token
  (``Salesforce(instance_url=..., session_id=..., session=<ScanSession>)``);
- every call maps simple-salesforce's exceptions to ours by status and error code;
- an expired session (401) is renewed by logging in again, then the call is retried; a call
  still refused after that ends the scan; the renewal is shared by the worker threads (one
  login, not one per thread);
- queries page through ``nextRecordsUrl`` with ``Sforce-Query-Options: batchSize=2000`` and
  return flat records without ``attributes``.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError

from sfscan.collect import composite
from sfscan.collect.auth import TokenGrant, request_token
from sfscan.collect.credentials import OrgCredentials
from sfscan.collect.errors import (
    EXPIRED_SESSION_CODE,
    REQUEST_LIMIT_CODE,
    RequestLimitReached,
    SessionExpired,
    SourceUnavailable,
    first_rest_error,
)
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import ScanSession, parse_xml
from sfscan.collect.metadata import find_fault
from sfscan.collect.paging import PageGuard
from sfscan.domain.errors import ScanIncompleteError

T = TypeVar("T")
Record = dict[str, Any]
MAX_RENEWALS_PER_CALL = 2
QUERY_OPTIONS = {"Sforce-Query-Options": "batchSize=2000"}


def _flat(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "attributes"}


def _page_records(page: Any) -> list[Record]:
    """The flat records of one query page; an answer that is not a page is an error, never
    an empty object (an empty LoginHistory or assignment list would let rules pass)."""
    records = page.get("records") if isinstance(page, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SourceUnavailable("UNEXPECTED_RESPONSE", "the query answer holds no record list")
    return [_flat(r) for r in records]


class OrgClient:
    def __init__(
        self,
        credentials: OrgCredentials,
        session: ScanSession,
        host_policy: HostPolicy,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._host_policy = host_policy
        self._now = now
        self._renew_lock = threading.Lock()
        self.grant: TokenGrant = request_token(credentials, session, host_policy, now)
        self.sf = Salesforce(
            instance_url=self.grant.instance_url,
            session_id=self.grant.access_token.get_secret_value(),
            session=session,
            version=credentials.api_version,
        )
        self.renewals = 0
        self._generation = 0  # bumped by each renewal, so workers renew once, not each
        self.api_version = credentials.api_version
        # (tooling, "describe <sObject>" or SOQL) -> Composite answer or error (see prefetch).
        self._prefetched: dict[tuple[bool, str], composite.Answer] = {}

    def __repr__(self) -> str:  # never show the token
        return f"OrgClient(instance_url={self.grant.instance_url!r})"

    # -- session handling ------------------------------------------------------------------

    @property
    def _token(self) -> str:
        token: str = self.sf.session_id
        return token

    def _current_generation(self) -> int:
        with self._renew_lock:
            return self._generation

    def _renew(self, failed_generation: int) -> None:
        with self._renew_lock:
            if self._generation != failed_generation:
                return  # another worker already logged in again
            grant = request_token(self._credentials, self._session, self._host_policy, self._now)
            token = grant.access_token.get_secret_value()
            # Replace, not mutate: a request being built elsewhere copies the old dict whole.
            self.sf.headers = {**self.sf.headers, "Authorization": "Bearer " + token}
            self.sf.session_id = token
            self.grant = grant
            self._generation += 1
            self.renewals += 1

    def call(self, operation: Callable[[], T]) -> T:
        """Run one API call; on an expired session log in again and retry it.

        Normally one renewal suffices. A second one is allowed because, with several workers,
        the fresh session may expire (a very short session timeout) before this call's retry
        reaches the org; a call refused after that ends the scan.
        """
        expired = 0
        while True:
            generation = self._current_generation()
            try:
                return self._mapped(operation)
            except SessionExpired:
                expired += 1
                if expired > MAX_RENEWALS_PER_CALL:
                    raise ScanIncompleteError(
                        "Salesforce refused the session again right after sfscan logged in "
                        "anew; check the app's session policy (timeout) and that the user is "
                        "not being logged out"
                    ) from None
                self._renew(generation)

    def _mapped(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except SalesforceError as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: SalesforceError) -> Exception:
        code, message = first_rest_error(exc.content)
        if exc.status == 401 or code == EXPIRED_SESSION_CODE:
            return SessionExpired()
        if code == REQUEST_LIMIT_CODE:
            self._session.budget.halt()
            return RequestLimitReached()
        if 400 <= exc.status < 500:
            return SourceUnavailable(code, message)
        return ScanIncompleteError(
            f"Salesforce answered HTTP {exc.status} to {exc.resource_name or 'a request'} "
            f"on every attempt ({code}); try again later"
        )

    # -- REST ------------------------------------------------------------------------------

    def query(self, soql: str, *, tooling: bool = False) -> list[Record]:
        """All records of a SOQL query, following nextRecordsUrl to the end."""
        prefetched = self.prefetched(soql, tooling=tooling)
        if prefetched is not None:
            return prefetched
        path = "tooling/query/" if tooling else "query/"

        def first_page() -> Any:
            return self.sf.restful(path, params={"q": soql}, headers=QUERY_OPTIONS)

        return self._all_pages(self.call(first_page))

    def _all_pages(self, page: Any) -> list[Record]:
        records = _page_records(page)
        guard = PageGuard(self.grant.instance_url)  # same host only, no loops, bounded
        while not page.get("done", True):
            next_url = guard.next_url(page, len(records))
            page = self.call(partial(self._next_page, next_url))
            records.extend(_page_records(page))
        return records

    def _next_page(self, next_records_url: str) -> Any:
        return self.sf.query_more(next_records_url, identifier_is_url=True, headers=QUERY_OPTIONS)

    def count(self, soql: str) -> int:
        """``SELECT COUNT() FROM ...``: the totalSize."""
        page: Any = self.call(lambda: self.sf.restful("query/", params={"q": soql}))
        total = page.get("totalSize") if isinstance(page, dict) else None
        if not isinstance(total, int) or isinstance(total, bool):
            raise SourceUnavailable("UNEXPECTED_RESPONSE", "the count query returned no totalSize")
        return total

    def describe_field_names(self, sobject: str, *, tooling: bool = False) -> set[str]:
        cached = self._prefetched.get((tooling, f"describe {sobject}"))
        if isinstance(cached, SourceUnavailable):
            raise SourceUnavailable(cached.code, cached.message)
        if cached is not None:
            return composite.field_names(cached)
        path = f"{'tooling/' if tooling else ''}sobjects/{sobject}/describe"
        described: Any = self.call(lambda: self.sf.restful(path))
        return composite.field_names(described)

    def prefetch(
        self,
        describes: Iterable[str],
        queries: Mapping[str, str] | None = None,
        *,
        tooling: bool = False,
    ) -> None:
        """Describe sObjects and run small queries with Composite: up to 25 subrequests (5 of
        them queries) in one request, which Salesforce counts as one API call. Later calls of
        ``describe_field_names`` / ``query`` with the same name or SOQL answer from it (a query
        once). Called before the concurrent collection starts, so the cache is only read later.
        ``queries`` maps a reference id (letters and digits) to its SOQL; a query may refer to
        an earlier one's answer (``@{ref.records[0].Field}``): read it with :meth:`prefetched`,
        since the org cannot run it directly."""
        subs = [composite.Subrequest(f"d{n}", sobject=name) for n, name in enumerate(describes)]
        subs += [composite.Subrequest(ref, soql=soql) for ref, soql in (queries or {}).items()]
        path = "tooling/composite" if tooling else "composite"
        for chunk in composite.chunks(subs):
            body = json.dumps(composite.body(chunk, self.api_version, tooling))
            try:
                answer: Any = self.call(partial(self.sf.restful, path, method="POST", data=body))
            except SourceUnavailable:
                return  # Composite refused: each call is made directly instead
            got = composite.answers(chunk, answer)
            for sub in chunk:
                if sub.ref in got:
                    key = sub.soql or f"describe {sub.sobject}"
                    self._prefetched[(tooling, key)] = got[sub.ref]

    def prefetched(self, soql: str, *, tooling: bool = False) -> list[Record] | None:
        """All records of a query :meth:`prefetch` ran (following its pages), else None."""
        page = self._prefetched.pop((tooling, soql), None)
        if page is None:
            return None
        if isinstance(page, SourceUnavailable):
            raise SourceUnavailable(page.code, page.message)
        return self._all_pages(page)

    def daily_api(self) -> tuple[int, int] | None:
        """(used, max) of the org's daily API requests, from the ``Sforce-Limit-Info`` header
        of the latest answer (no call of its own); None before any REST answer carried it."""
        budget = self._session.budget
        if budget.usage_used is None or budget.usage_max is None:
            return None
        return budget.usage_used, budget.usage_max

    def limits(self) -> dict[str, Any]:
        result: Any = self.call(lambda: self.sf.limits())
        return dict(result or {})

    # -- SOAP ------------------------------------------------------------------------------

    def soap(self, build: Callable[[str], bytes]) -> ET.Element:
        """POST a Metadata API envelope built for the current session id; return the answer."""
        return self.call(lambda: self._soap_once(build))

    def _soap_once(self, build: Callable[[str], bytes]) -> ET.Element:
        response = self._session.request(
            "POST",
            self.sf.metadata_url,
            data=build(self._token),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        )
        if response.status_code == 401:
            raise SessionExpired()
        try:
            root = parse_xml(response.content)  # defusedxml: no entity bombs
        except ET.ParseError:
            raise ScanIncompleteError(
                f"the Metadata API answered HTTP {response.status_code} without a SOAP message; "
                "try again later"
            ) from None
        fault = find_fault(root)
        if fault is not None:
            if fault.code == EXPIRED_SESSION_CODE:
                raise SessionExpired()
            if fault.code == REQUEST_LIMIT_CODE:
                self._session.budget.halt()
                raise RequestLimitReached()
            raise SourceUnavailable(fault.code, fault.message)
        if response.status_code >= 300:
            raise ScanIncompleteError(
                f"the Metadata API answered HTTP {response.status_code} on every attempt; "
                "try again later"
            )
        return root
