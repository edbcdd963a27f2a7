"""How a failed Salesforce call is classified while collecting.

Three outcomes, decided by error code (never by message text):
- the source is unreadable (any 4xx with an error code other than the two below, e.g.
  INVALID_TYPE, INVALID_FIELD, INSUFFICIENT_ACCESS(_OR_READONLY), API_DISABLED_FOR_ORG, or a
  SOAP fault): record it as ``unavailable`` and carry on, so the rules say NOT_AVAILABLE
  instead of PASSED;
- the org's API request limit is reached: stop the whole scan (every further call would fail and
  burn the customer's budget);
- the session expired: log in again once and retry the call.
Anything else that cannot be read after retries ends the scan as incomplete.
"""

from __future__ import annotations

from typing import Any

REQUEST_LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"
EXPIRED_SESSION_CODE = "INVALID_SESSION_ID"
MAX_REASON_LENGTH = 300


class SourceUnavailable(Exception):
    """One object, tooling object or metadata item could not be read; the scan goes on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def reason(self) -> str:
        """The ``unavailable`` entry: ``<ERRORCODE>: <message>``."""
        text = f"{self.code}: {self.message}".strip()
        return text if len(text) <= MAX_REASON_LENGTH else text[: MAX_REASON_LENGTH - 1] + "…"


class RequestLimitReached(Exception):
    """The org's daily API request limit is exhausted; the scan must stop."""


class ScanHalted(Exception):
    """Another worker already ended the scan; this call was not sent."""


class SessionExpired(Exception):
    """The access token is no longer valid (HTTP 401 / INVALID_SESSION_ID)."""


def first_rest_error(content: Any) -> tuple[str, str]:
    """(errorCode, message) from a REST error body: a JSON list of {errorCode, message}."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode") or "UNKNOWN_ERROR"), str(first.get("message") or "")
    if isinstance(content, dict):
        return str(content.get("errorCode") or "UNKNOWN_ERROR"), str(content.get("message") or "")
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content or "")
    return "UNKNOWN_ERROR", " ".join(text.split())[:200]
