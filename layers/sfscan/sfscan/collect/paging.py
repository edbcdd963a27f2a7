"""Following ``nextRecordsUrl`` safely: same instance only, no loops, a bounded number of pages.

A query answer decides where the next request goes. Without these checks a ``nextRecordsUrl``
pointing at itself fetched pages until the scan was killed, and an absolute one on another host
ended in "invalid port" (simple-salesforce glues it to the instance URL). Each problem makes the
one source unavailable (the rules that need it say NOT_AVAILABLE); the scan goes on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sfscan.collect.errors import SourceUnavailable

# 1,000 pages of 2,000 rows: 2 million records, far beyond any object the rules read
# (raw LoginHistory of a month in a very busy org stays well below).
MAX_PAGES_PER_QUERY = 1000


class PageGuard:
    """Checks each ``nextRecordsUrl`` of one query before it is followed."""

    def __init__(self, instance_url: str, max_pages: int = MAX_PAGES_PER_QUERY) -> None:
        self._instance = urlsplit(instance_url).netloc.lower()
        self._max_pages = max_pages
        self._seen: set[str] = set()

    def next_url(self, page: Any, records_so_far: int) -> str:
        """The relative URL of the next page to fetch; SourceUnavailable when it must not be."""
        next_url = page.get("nextRecordsUrl") if isinstance(page, dict) else None
        if not next_url or not isinstance(next_url, str):
            # Reading on is impossible; what we have is not the whole object.
            total = page.get("totalSize") if isinstance(page, dict) else None
            raise SourceUnavailable(
                "INCOMPLETE_RESULT",
                f"the query stopped after {records_so_far} of {total} record(s) without a "
                "next page",
            )
        relative = self._relative(next_url)
        if relative in self._seen:
            raise SourceUnavailable(
                "QUERY_PAGING_LOOP",
                f"the org sent the same next page twice after {records_so_far} record(s) "
                f"(nextRecordsUrl {relative.rsplit('/', 1)[-1]}); the rest was not read",
            )
        self._seen.add(relative)
        if len(self._seen) >= self._max_pages:
            raise SourceUnavailable(
                "QUERY_PAGE_LIMIT",
                f"the query did not finish within {self._max_pages:,} pages "
                f"({records_so_far:,} record(s) read); the rest was not read",
            )
        return relative

    def _relative(self, next_url: str) -> str:
        parts = urlsplit(next_url)
        if not parts.scheme and not parts.netloc:
            return next_url
        if parts.scheme.lower() == "https" and parts.netloc.lower() == self._instance:
            return parts.path + (f"?{parts.query}" if parts.query else "")
        where = parts.netloc.rpartition("@")[2] or next_url[:40]
        raise SourceUnavailable(
            "FOREIGN_NEXT_PAGE",
            f"the org's nextRecordsUrl points at another host ({where}); sfscan only follows "
            "next-page links on the org's own instance, so the rest was not read (a proxy or "
            "a hostile endpoint may be rewriting answers)",
        )
