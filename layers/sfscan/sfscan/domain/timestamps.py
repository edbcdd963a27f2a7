"""The one way sfscan writes a time: ISO 8601 in UTC with a trailing ``Z``.

Findings' evidence, the JSON report, the findings table, scan messages and ASFF all use it, so a
time read back from any of them compares equal to the one written.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(moment: datetime, timespec: str = "auto") -> str:
    """``2026-11-28T12:00:00Z``; a naive datetime is taken to be UTC (sfscan only makes UTC ones).

    ``timespec`` as for ``datetime.isoformat`` (ASFF wants "milliseconds").
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """The inverse of ``utc_iso``: ``2026-11-28T12:00:00Z`` (or any ISO offset) to a datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
