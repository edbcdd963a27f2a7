"""The one HTTP path every Salesforce call takes (token, REST, Tooling, Metadata SOAP).

``ScanSession`` is a ``requests.Session`` handed to simple-salesforce, so its calls get the same
treatment as ours:
- a timeout on every call (simple-salesforce sets none), and a total time per response: the read
  timeout only bounds the wait between two bytes, so the body is read in pieces against a clock
  (and collect/watchdog.py shuts a connection whose headers are still arriving when the time is
  up): a server dripping one byte every few seconds is cut off;
- an overall deadline per scan (``HttpConfig.deadline_s``, or ``scan_deadline()`` around the
  whole scan): once it has passed no call is sent and the scan ends as incomplete;
- ``verify=<ca bundle>`` per request: ``REQUESTS_CA_BUNDLE`` in the environment beats
  ``Session.verify`` (salesforce-api-notes §14.1), a per-request argument beats both; a
  certificate that cannot be verified is not retried and the message names ``--ca-bundle``;
- every URL checked against the host allow-list, and redirects are never followed: every call
  carries a credential (the session id, the JWT assertion, the bearer token), and a 307 would
  resend it to wherever the ``Location`` points;
- bounded retries with exponential back-off and jitter on connection errors, 5xx and
  truncated / unparseable / empty 2xx bodies; never on 4xx (a refusal does not improve by
  repeating);
- XML is parsed with defusedxml: a hostile endpoint cannot make us expand an entity bomb;
- thread-safe counting of API calls (each attempt counts: Salesforce bills it) and of the
  ``Sforce-Limit-Info`` usage;
- once the org's request limit is hit (or the scan failed), no further call leaves the machine.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
import requests
import urllib3.exceptions
from defusedxml import DefusedXmlException

from sfscan.collect.deadline import Deadline, deadline_for
from sfscan.collect.errors import ScanHalted
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.watchdog import WatchedAdapter, response_time_limit
from sfscan.domain.errors import ScanIncompleteError

_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
SOAP_PATH = "/services/Soap/"
_CHUNK = 64 * 1024
_TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_BODY_READ_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class HttpConfig:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    # Longest one response may take from sending the request to its last byte.
    response_total_s: float = 120.0
    # The whole scan's time limit (None: only an ambient scan_deadline() applies).
    deadline_s: float | None = None
    attempts: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    # Injectable so tests never sleep, jitter is reproducible and time can be stepped.
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): exponential, full jitter on top."""
        base = min(self.backoff_max_s, self.backoff_base_s * (2 ** (attempt - 1)))
        return float(base * (0.5 + self.jitter() / 2))


@dataclass
class CallBudget:
    """What the scan spent. Shared by every worker thread, hence the lock."""

    api_calls: int = 0
    token_calls: int = 0
    usage_used: int | None = None
    usage_max: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stopped: threading.Event = field(default_factory=threading.Event, repr=False)

    def count(self, *, token_call: bool) -> None:
        with self._lock:
            if token_call:
                self.token_calls += 1
            else:
                self.api_calls += 1

    def note_usage(self, header: str | None) -> None:
        match = _LIMIT_INFO.search(header or "")
        if not match:
            return
        used, limit = int(match.group(1)), int(match.group(2))
        with self._lock:
            # Responses arrive out of order across threads: keep the highest count seen.
            if self.usage_used is None or used > self.usage_used:
                self.usage_used = used
            self.usage_max = limit

    def halt(self) -> None:
        """No further call leaves the machine (request limit reached, or the scan failed)."""
        self._stopped.set()

    @property
    def halted(self) -> bool:
        return self._stopped.is_set()

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.api_calls, self.token_calls


def _where(url: str) -> str:
    """Host and path of a URL for messages; never the query string (it holds SOQL)."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


def parse_xml(body: bytes) -> ET.Element:
    """Parse an XML answer safely: no entity declarations (XML bombs), no external entities.

    Raises ``ET.ParseError`` for anything that is not plain well-formed XML.
    """
    try:
        root: ET.Element = SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise ET.ParseError(f"refused XML with {type(exc).__name__}") from None
    return root


def _body_problem(response: requests.Response) -> str | None:
    """Why a 2xx body is unusable, or None: XML for SOAP, JSON elsewhere, never empty."""
    body = response.content
    if not body or not body.strip():
        if response.status_code == 204:
            return None
        return "sent an empty response"
    if SOAP_PATH in urlsplit(response.url or "").path:
        try:
            parse_xml(body)
        except ET.ParseError:
            return "sent a truncated or unreadable response"
        return None
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return "sent a truncated or unreadable response"
    return None


def _is_soap_fault(response: requests.Response) -> bool:
    """SOAP returns faults as HTTP 500; a fault is an answer, not an outage, so not retried."""
    if SOAP_PATH not in urlsplit(response.url or "").path:
        return False
    try:
        root = parse_xml(response.content)
    except ET.ParseError:
        return False
    return any(el.tag.endswith("}Fault") or el.tag == "Fault" for el in root.iter())


def _certificate_failure(exc: requests.exceptions.SSLError, url: str) -> ScanIncompleteError:
    host = urlsplit(url).netloc.rpartition("@")[2]
    return ScanIncompleteError(
        f"the TLS certificate of {host} could not be verified, so nothing was sent to it; if "
        "a proxy on your network inspects TLS, give its CA certificate with --ca-bundle FILE "
        "(or SFSCAN_CA_BUNDLE), otherwise check that the URL really is your org"
    )


def _is_certificate_problem(exc: requests.exceptions.SSLError) -> bool:
    text = str(exc).lower()
    return "certificate" in text or "hostname" in text


def _cut_off(url: str, total_s: float) -> str:
    return f"{_where(url)} took longer than {total_s:g} s to send one response (cut off)"


def _refuse_redirect(url: str, response: requests.Response) -> ScanIncompleteError:
    target = urlsplit(response.headers.get("Location", ""))
    where = target.netloc.rpartition("@")[2] or urlsplit(url).netloc.rpartition("@")[2]
    response.close()
    return ScanIncompleteError(
        f"{_where(url)} answered HTTP {response.status_code}, a redirect to {where}; sfscan "
        "never follows a redirect (it would resend the session or login credentials to "
        "another address): if the org moved, give its new My Domain as login_url"
    )


class ScanSession(requests.Session):
    def __init__(
        self,
        host_policy: HostPolicy,
        *,
        ca_bundle: str | None = None,
        config: HttpConfig | None = None,
        budget: CallBudget | None = None,
    ) -> None:
        super().__init__()
        self.host_policy = host_policy
        self.ca_bundle = ca_bundle
        self.config = config or HttpConfig()
        self.budget = budget or CallBudget()
        self.deadline: Deadline | None = deadline_for(self.config.deadline_s, self.config.clock)
        self.mount("https://", WatchedAdapter())  # the clock also runs while headers arrive
        # Thread-local so concurrent workers never see each other's "this is the token call".
        self._local = threading.local()

    def post_token(self, url: str, **kwargs: Any) -> requests.Response:
        """POST to the OAuth token endpoint; counted apart from API calls."""
        self._local.token_call = True
        try:
            return self.request("POST", url, **kwargs)
        finally:
            self._local.token_call = False

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.host_policy.check(url)
        # Every call carries a credential: a redirect would carry it elsewhere (see _attempt).
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True  # the body is read by _read_body, against the clock
        if self.ca_bundle:
            kwargs.setdefault("verify", self.ca_bundle)
        token_call = bool(getattr(self._local, "token_call", False))
        problem = ""
        for attempt in range(1, self.config.attempts + 1):
            if attempt > 1:
                self._pause(attempt - 1)
            if self.budget.halted:
                raise ScanHalted()
            self._check_deadline()
            self.budget.count(token_call=token_call)
            outcome = self._attempt(method, url, args, kwargs)
            if isinstance(outcome, str):
                problem = outcome
                continue
            if outcome.status_code >= 500 and not _is_soap_fault(outcome):
                problem = f"{_where(url)} answered HTTP {outcome.status_code}"
                if attempt == self.config.attempts:
                    return outcome  # the caller maps the final 5xx to a clear error
                continue
            body_problem = _body_problem(outcome) if outcome.ok else None
            if body_problem:
                problem = f"{_where(url)} {body_problem}"
                continue
            return outcome
        self._check_deadline()
        raise ScanIncompleteError(
            f"{problem} on all {self.config.attempts} attempts; check the network path to "
            "Salesforce and try again later"
        )

    # -- one attempt -----------------------------------------------------------------------

    def _check_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.check()

    def _pause(self, retry: int) -> None:
        delay = self.config.backoff(retry)
        if self.deadline is not None:
            delay = min(delay, max(0.0, self.deadline.remaining()))
        self.config.sleep(delay)

    def _limits(self) -> tuple[float, float, float]:
        """(connect timeout, read timeout, total response time) for the next attempt."""
        total = self.config.response_total_s
        if self.deadline is not None:
            total = max(0.001, min(total, self.deadline.remaining()))
        return (
            min(self.config.connect_timeout_s, total),
            min(self.config.read_timeout_s, total),
            total,
        )

    def _attempt(
        self, method: str, url: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> requests.Response | str:
        """One request, body read in full: the response, or why it is worth another try."""
        connect_s, read_s, total_s = self._limits()
        kwargs = {**kwargs, "timeout": kwargs.get("timeout") or (connect_s, read_s)}
        started = self.config.clock()
        try:
            with response_time_limit(total_s):
                response = super().request(method, url, *args, **kwargs)
        except requests.exceptions.SSLError as exc:
            if _is_certificate_problem(exc):
                raise _certificate_failure(exc, url) from None
            return f"could not reach {_where(url)} ({type(exc).__name__})"
        except _TRANSIENT_ERRORS as exc:
            if self.config.clock() - started >= total_s:
                return _cut_off(url, total_s)
            return f"could not reach {_where(url)} ({type(exc).__name__})"
        if response.is_redirect:
            raise _refuse_redirect(url, response)
        self.budget.note_usage(response.headers.get("Sforce-Limit-Info"))
        return self._read_body(response, url, started, total_s)

    def _read_body(
        self, response: requests.Response, url: str, started: float, total_s: float
    ) -> requests.Response | str:
        chunks: list[bytes] = []
        try:
            while True:
                if self.config.clock() - started > total_s:
                    response.close()
                    return _cut_off(url, total_s)
                chunk = response.raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
        except _BODY_READ_ERRORS as exc:
            response.close()
            return f"could not read the answer of {_where(url)} ({type(exc).__name__})"
        response._content = b"".join(chunks)
        response._content_consumed = True  # type: ignore[attr-defined]
        response.raw.release_conn()
        return response
