"""Faults the simulator can inject, so clients can be tested against a misbehaving org."""

from __future__ import annotations

from dataclasses import dataclass, field

FOREIGN_NEXT_PAGE = "https://attacker.example:8443"


@dataclass(frozen=True)
class Faults:
    """What goes wrong, counted in API calls (REST and SOAP; the token endpoint is not one).

    - ``latency_ms``: every response waits this long.
    - ``expire_token_after``: a token stops working once N API calls were served after it was
      issued (401 INVALID_SESSION_ID); a fresh login works for another N calls.
    - ``request_limit_after``: calls after the N-th answer 403 REQUEST_LIMIT_EXCEEDED.
    - ``server_error_on``: these 1-based call numbers answer 503.
    - ``insufficient_access`` / ``invalid_type``: object names ("LoginHistory"), tooling names,
      metadata types ("ConnectedApp") or single items ("ConnectedApp:Vendor_App") that answer
      INSUFFICIENT_ACCESS / INVALID_TYPE (a single metadata item is left out of readMetadata).
    - ``truncate_body_on``: these call numbers get half of their body.
    - ``daily_api_max``: the DailyApiRequests Max the org reports.
    - ``redirect_to`` / ``redirect_endpoints``: these endpoints ("token", "rest", "soap") answer
      307 with ``Location: <redirect_to><same path>`` instead of serving the call.
    - ``drip_on`` / ``drip_interval_ms``: these call numbers send their body one byte at a time,
      ``drip_interval_ms`` apart (a server that is slow but never silent long enough to time out).
    - ``paging_loop_on``: queries on these objects never finish: every page's
      ``nextRecordsUrl`` points at the same page.
    - ``foreign_next_page_on``: queries on these objects give an absolute ``nextRecordsUrl`` on
      another host (``FOREIGN_NEXT_PAGE``).
    - ``missing_fields``: ``Object.Field`` names this org does not have (as an org on another
      version or edition): left out of describe, INVALID_FIELD in a query.
    """

    latency_ms: int = 0
    expire_token_after: int | None = None
    request_limit_after: int | None = None
    server_error_on: frozenset[int] = field(default_factory=frozenset)
    insufficient_access: frozenset[str] = field(default_factory=frozenset)
    invalid_type: frozenset[str] = field(default_factory=frozenset)
    truncate_body_on: frozenset[int] = field(default_factory=frozenset)
    daily_api_max: int = 15000
    missing_fields: frozenset[str] = field(default_factory=frozenset)
    redirect_to: str | None = None
    redirect_endpoints: frozenset[str] = field(default_factory=frozenset)
    drip_on: frozenset[int] = field(default_factory=frozenset)
    drip_interval_ms: int = 200
    paging_loop_on: frozenset[str] = field(default_factory=frozenset)
    foreign_next_page_on: frozenset[str] = field(default_factory=frozenset)

    def redirect_location(self, endpoint: str, path: str) -> str | None:
        """Where ``endpoint`` ("token", "rest", "soap") redirects to, if a fault says so."""
        if self.redirect_to and endpoint in self.redirect_endpoints:
            return self.redirect_to.rstrip("/") + path
        return None

    def next_page_override(self, sobject: str, prefix: str, own_locator: str) -> str | None:
        """The ``nextRecordsUrl`` a paging fault puts on every page of ``sobject``, if any."""
        folded = sobject.casefold()
        if folded in {n.casefold() for n in self.paging_loop_on}:
            return f"{prefix}query/{own_locator}"
        if folded in {n.casefold() for n in self.foreign_next_page_on}:
            return f"{FOREIGN_NEXT_PAGE}{prefix}query/{own_locator}"
        return None

    def refusal(self, name: str) -> str | None:
        """The error code a fault makes ``name`` (object, type or Type:item) answer, if any."""
        folded = name.casefold()
        if folded in {n.casefold() for n in self.insufficient_access}:
            return "INSUFFICIENT_ACCESS"
        if folded in {n.casefold() for n in self.invalid_type}:
            return "INVALID_TYPE"
        return None


def parse_int_set(text: str | None) -> frozenset[int]:
    """'3,7' -> {3, 7} (CLI lists of call numbers)."""
    if not text:
        return frozenset()
    return frozenset(int(part) for part in text.split(",") if part.strip())


def parse_name_set(text: str | None) -> frozenset[str]:
    """'LoginHistory,ConnectedApp' -> {'LoginHistory', 'ConnectedApp'}."""
    if not text:
        return frozenset()
    return frozenset(part.strip() for part in text.split(",") if part.strip())
