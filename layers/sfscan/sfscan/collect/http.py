"""The one HTTP path every Salesforce call takes (token, REST, Tooling, Metadata SOAP).

``ScanSession`` is a ``requests.Session`` handed to simple-salesforce, so its calls get the same
treatment as ours:
- a timeout on every call (simple-salesforce sets none);
- ``verify=<ca bundle>`` per request: ``REQUESTS_CA_BUNDLE`` in the environment beats
  ``Session.verify`` (salesforce-api-notes §14.1), a per-request argument beats both;
- every URL checked against the host allow-list, so no redirect or ``nextRecordsUrl`` can carry
  the token elsewhere;
- bounded retries with exponential back-off and jitter on connection errors, 5xx and
  truncated / unparseable 2xx bodies; never on 4xx (a refusal does not improve by repeating);
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

import requests

from sfscan.collect.errors import ScanHalted
from sfscan.collect.hosts import HostPolicy
from sfscan.domain.errors import ScanIncompleteError

_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
SOAP_PATH = "/services/Soap/"
_TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class HttpConfig:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    attempts: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    # Injectable so tests never sleep and jitter is reproducible.
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

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


def _body_is_well_formed(response: requests.Response) -> bool:
    """A 2xx body must parse: XML for SOAP, JSON elsewhere (an empty body is fine)."""
    body = response.content
    if not body or not body.strip():
        return True
    if SOAP_PATH in urlsplit(response.url or "").path:
        try:
            ET.fromstring(body)  # noqa: S314 - a trusted, allow-listed Salesforce host
        except ET.ParseError:
            return False
        return True
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _is_soap_fault(response: requests.Response) -> bool:
    """SOAP returns faults as HTTP 500; a fault is an answer, not an outage, so not retried."""
    if SOAP_PATH not in urlsplit(response.url or "").path:
        return False
    try:
        root = ET.fromstring(response.content)  # noqa: S314 - allow-listed Salesforce host
    except ET.ParseError:
        return False
    return any(el.tag.endswith("}Fault") or el.tag == "Fault" for el in root.iter())


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
        kwargs.setdefault("timeout", (self.config.connect_timeout_s, self.config.read_timeout_s))
        if self.ca_bundle:
            kwargs.setdefault("verify", self.ca_bundle)
        token_call = bool(getattr(self._local, "token_call", False))
        problem = ""
        for attempt in range(1, self.config.attempts + 1):
            if attempt > 1:
                self.config.sleep(self.config.backoff(attempt - 1))
            if self.budget.halted:
                raise ScanHalted()
            self.budget.count(token_call=token_call)
            try:
                response = super().request(method, url, *args, **kwargs)
            except _TRANSIENT_ERRORS as exc:
                problem = f"could not reach {_where(url)} ({type(exc).__name__})"
                continue
            self.budget.note_usage(response.headers.get("Sforce-Limit-Info"))
            if response.status_code >= 500 and not _is_soap_fault(response):
                problem = f"{_where(url)} answered HTTP {response.status_code}"
                if attempt == self.config.attempts:
                    return response  # the caller maps the final 5xx to a clear error
                continue
            if 200 <= response.status_code < 300 and not _body_is_well_formed(response):
                problem = f"{_where(url)} sent a truncated or unreadable response"
                continue
            return response
        raise ScanIncompleteError(
            f"{problem} on all {self.config.attempts} attempts; check the network path to "
            "Salesforce and try again later"
        )
