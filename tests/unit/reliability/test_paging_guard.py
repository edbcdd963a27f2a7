"""Following nextRecordsUrl: relative or same-instance links only, no repeats, a page cap."""

from __future__ import annotations

import pytest
from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.paging import PageGuard

INSTANCE = "https://acme.my.salesforce.com"
NEXT = "/services/data/v62.0/query/01gXX0000000001-2000"


def page(next_url: object) -> dict[str, object]:
    return {"done": False, "totalSize": 9000, "nextRecordsUrl": next_url, "records": []}


def test_a_relative_or_same_instance_link_is_followed_as_a_relative_path() -> None:
    guard = PageGuard(INSTANCE)
    assert guard.next_url(page(NEXT), 2000) == NEXT
    same_host = f"{INSTANCE}{NEXT.replace('2000', '4000')}"
    assert guard.next_url(page(same_host), 4000) == NEXT.replace("2000", "4000")


def test_a_link_seen_before_is_a_loop() -> None:
    guard = PageGuard(INSTANCE)
    guard.next_url(page(NEXT), 2000)
    with pytest.raises(SourceUnavailable) as info:
        guard.next_url(page(NEXT), 4000)
    assert info.value.code == "QUERY_PAGING_LOOP"
    assert "after 4000 record(s)" in info.value.message


def test_pages_are_capped() -> None:
    guard = PageGuard(INSTANCE, max_pages=3)
    guard.next_url(page(NEXT + "1"), 1)
    guard.next_url(page(NEXT + "2"), 2)
    with pytest.raises(SourceUnavailable) as info:
        guard.next_url(page(NEXT + "3"), 3)
    assert info.value.code == "QUERY_PAGE_LIMIT"
    assert "within 3 pages" in info.value.message


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example:8443/services/data/v62.0/query/x",
        "http://acme.my.salesforce.com/services/data/v62.0/query/x",  # same host, no TLS
        "//evil.example/services/data/v62.0/query/x",
    ],
)
def test_a_link_to_another_origin_is_refused_and_named(link: str) -> None:
    with pytest.raises(SourceUnavailable) as info:
        PageGuard(INSTANCE).next_url(page(link), 2000)
    assert info.value.code == "FOREIGN_NEXT_PAGE"
    assert "another host" in info.value.message
    assert "invalid port" not in info.value.message


@pytest.mark.parametrize("link", [None, "", 42])
def test_a_page_not_done_without_a_usable_link_is_incomplete(link: object) -> None:
    with pytest.raises(SourceUnavailable) as info:
        PageGuard(INSTANCE).next_url(page(link), 2000)
    assert info.value.code == "INCOMPLETE_RESULT"
