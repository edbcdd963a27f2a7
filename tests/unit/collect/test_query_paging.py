"""A query answer that ends before its last page is never taken as the whole object."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import SecretStr
from sfscan.collect.auth import TokenGrant
from sfscan.collect.client import OrgClient
from sfscan.collect.errors import SourceUnavailable


class FakeSalesforce:
    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages

    def restful(self, path: str, params: Any = None, **kwargs: Any) -> Any:
        return self.pages.pop(0)

    def query_more(self, url: str, identifier_is_url: bool = False, **kwargs: Any) -> Any:
        return self.pages.pop(0)


def client_answering(*pages: Any) -> OrgClient:
    """An OrgClient whose REST calls return ``pages`` in order (no login, no network)."""
    client = object.__new__(OrgClient)
    client._renew_lock = threading.Lock()
    client._generation = 0
    client._prefetched = {}
    client.sf = FakeSalesforce(list(pages))
    client.grant = TokenGrant(SecretStr("token"), "https://acme.my.salesforce.com")
    return client


def rows(*ids: str) -> list[dict[str, Any]]:
    return [{"attributes": {"type": "User"}, "Id": i} for i in ids]


def test_pages_are_followed_to_the_last_one() -> None:
    client = client_answering(
        {"done": False, "nextRecordsUrl": "/q/1", "totalSize": 3, "records": rows("a", "b")},
        {"done": True, "totalSize": 3, "records": rows("c")},
    )
    assert client.query("SELECT Id FROM User") == [{"Id": "a"}, {"Id": "b"}, {"Id": "c"}]


def test_a_page_that_is_not_done_but_has_no_next_url_makes_the_source_unavailable() -> None:
    client = client_answering(
        {"done": False, "totalSize": 5000, "records": rows("a", "b")},
    )
    with pytest.raises(SourceUnavailable) as caught:
        client.query("SELECT Id FROM User")
    assert caught.value.code == "INCOMPLETE_RESULT"


@pytest.mark.parametrize("answer", [None, {}, {"done": True}, {"records": "x"}, "<html>"])
def test_an_answer_without_a_records_list_is_not_read_as_no_records(answer: Any) -> None:
    client = client_answering(answer)
    with pytest.raises(SourceUnavailable) as caught:
        client.query("SELECT Id FROM LoginHistory")
    assert caught.value.code == "UNEXPECTED_RESPONSE"


def test_a_later_page_without_records_is_not_read_as_the_end() -> None:
    client = client_answering(
        {"done": False, "nextRecordsUrl": "/q/1", "totalSize": 3, "records": rows("a")},
        None,
    )
    with pytest.raises(SourceUnavailable):
        client.query("SELECT Id FROM User")
