"""The HTTP path: timeouts, bounded retries with back-off, no retry on 4xx, call counting."""

from __future__ import annotations

import pytest
import requests
import responses
from sfscan.collect.errors import ScanHalted
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import CallBudget, HttpConfig, ScanSession
from sfscan.domain.errors import InputError, ScanIncompleteError

URL = "https://acme.my.salesforce.com/services/data/v62.0/query/"
SOAP = "https://acme.my.salesforce.com/services/Soap/m/62.0/"


def make(sleeps: list[float] | None = None, attempts: int = 3) -> ScanSession:
    delays = sleeps if sleeps is not None else []
    config = HttpConfig(attempts=attempts, sleep=delays.append, jitter=lambda: 1.0)
    return ScanSession(HostPolicy(), config=config)


@responses.activate
def test_a_5xx_is_retried_with_exponential_back_off_then_succeeds() -> None:
    responses.get(URL, status=503, body="busy")
    responses.get(URL, status=502, body="busy")
    responses.get(
        URL, json={"done": True, "records": []}, headers={"Sforce-Limit-Info": "api-usage=7/15000"}
    )
    sleeps: list[float] = []
    sess = make(sleeps)
    assert sess.get(URL).status_code == 200
    assert sleeps == [0.5, 1.0]
    assert sess.budget.snapshot() == (3, 0)  # every attempt is billed by Salesforce
    assert (sess.budget.usage_used, sess.budget.usage_max) == (7, 15000)


@responses.activate
def test_a_5xx_on_every_attempt_is_handed_back_for_the_caller_to_report() -> None:
    responses.get(URL, status=503, body="busy")
    sess = make()
    assert sess.get(URL).status_code == 503
    assert len(responses.calls) == 3


@responses.activate
def test_a_4xx_is_never_retried() -> None:
    responses.get(
        URL, status=400, json=[{"errorCode": "INVALID_FIELD", "message": "No such column"}]
    )
    sleeps: list[float] = []
    assert make(sleeps).get(URL).status_code == 400
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_a_truncated_json_body_is_retried() -> None:
    responses.get(URL, body='{"done": true, "reco', content_type="application/json")
    responses.get(URL, json={"done": True, "records": []})
    assert make().get(URL).json() == {"done": True, "records": []}
    assert len(responses.calls) == 2


@responses.activate
def test_a_body_truncated_every_time_is_a_clear_error() -> None:
    responses.get(URL, body='{"done": tr', content_type="application/json")
    with pytest.raises(ScanIncompleteError, match="truncated or unreadable response on all 3"):
        make().get(URL)


@responses.activate
def test_connection_errors_are_retried_then_reported_without_the_query() -> None:
    responses.get(URL, body=requests.ConnectionError("reset"))
    with pytest.raises(ScanIncompleteError) as info:
        make().get(URL, params={"q": "SELECT Id FROM User"})
    assert "could not reach acme.my.salesforce.com/services/data/v62.0/query/" in str(info.value)
    assert "SELECT" not in str(info.value)
    assert len(responses.calls) == 3


@responses.activate
def test_a_soap_fault_is_an_answer_not_an_outage() -> None:
    fault = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        "<soapenv:Fault><faultcode>sf:INVALID_TYPE</faultcode><faultstring>no</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    responses.post(SOAP, status=500, body=fault, content_type="text/xml")
    assert make().post(SOAP, data=b"<x/>").status_code == 500
    assert len(responses.calls) == 1


@responses.activate
def test_a_truncated_soap_body_is_retried() -> None:
    responses.post(SOAP, body="<soapenv:Envelope><soapenv:Bo", content_type="text/xml")
    responses.post(SOAP, body="<Envelope/>", content_type="text/xml")
    assert make().post(SOAP, data=b"<x/>").status_code == 200
    assert len(responses.calls) == 2


def test_every_url_is_checked_against_the_allow_list() -> None:
    with pytest.raises(InputError, match=r"evil.example"):
        make().get("https://evil.example/services/data/v62.0/query/")


@responses.activate
def test_a_halted_budget_sends_nothing_more() -> None:
    sess = make()
    sess.budget.halt()
    with pytest.raises(ScanHalted):
        sess.get(URL)
    assert len(responses.calls) == 0


def test_usage_keeps_the_highest_count_seen_across_threads() -> None:
    budget = CallBudget()
    budget.note_usage("api-usage=12/15000")
    budget.note_usage("api-usage=9/15000; per-app-api-usage=2/100(appName=x)")
    budget.note_usage(None)
    assert (budget.usage_used, budget.usage_max) == (12, 15000)


def test_back_off_is_bounded() -> None:
    config = HttpConfig(backoff_base_s=1.0, backoff_max_s=4.0, jitter=lambda: 1.0)
    assert [config.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    low = HttpConfig(backoff_base_s=1.0, jitter=lambda: 0.0)
    assert low.backoff(1) == 0.5


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<Envelope><Body>&lol3;</Body></Envelope>"
)


@responses.activate
def test_an_xml_bomb_from_the_metadata_endpoint_is_refused_not_expanded() -> None:
    responses.post(SOAP, body=BOMB, content_type="text/xml")
    with pytest.raises(ScanIncompleteError, match="truncated or unreadable response on all 3"):
        make().post(SOAP, data=b"<x/>")


def test_parse_xml_refuses_entity_declarations() -> None:
    import xml.etree.ElementTree as ET

    from sfscan.collect.http import parse_xml

    with pytest.raises(ET.ParseError, match="EntitiesForbidden"):
        parse_xml(BOMB)
    assert parse_xml(b"<a><b/></a>").tag == "a"


@responses.activate
def test_an_empty_200_body_is_retried_then_reported() -> None:
    responses.get(URL, body=b"", status=200)
    with pytest.raises(ScanIncompleteError, match="sent an empty response on all 3 attempts"):
        make().get(URL)


@responses.activate
def test_a_redirect_is_never_followed_and_names_where_it_pointed() -> None:
    responses.get(
        URL, status=307, headers={"Location": "https://collector.evil.example/steal?sid=x"}
    )
    responses.get("https://collector.evil.example/steal", body="thanks")
    with pytest.raises(ScanIncompleteError, match=r"redirect to collector\.evil\.example;"):
        make().get(URL, headers={"Authorization": "Bearer secret"})
    assert [c.request.url for c in responses.calls] == [URL]


class SteppedClock:
    """A monotonic clock that moves only when told (tests never wait)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@responses.activate
def test_nothing_is_sent_once_the_scan_deadline_has_passed() -> None:
    from sfscan.domain.errors import ScanTimeoutError

    responses.get(URL, json={"done": True, "records": []})
    clock = SteppedClock()
    config = HttpConfig(sleep=lambda _: None, deadline_s=300, clock=clock)
    sess = ScanSession(HostPolicy(), config=config)
    sess.get(URL)
    clock.now += 301
    with pytest.raises(ScanTimeoutError, match=r"time limit \(--timeout: 300 s\)"):
        sess.get(URL)
    assert len(responses.calls) == 1


@responses.activate
def test_retries_stop_at_the_deadline_with_the_deadline_as_the_reason() -> None:
    from sfscan.domain.errors import ScanTimeoutError

    responses.get(URL, status=503, body="busy")
    clock = SteppedClock()

    def sleep(seconds: float) -> None:
        clock.now += 100  # each back-off eats the remaining time

    config = HttpConfig(sleep=sleep, deadline_s=150, clock=clock, attempts=5)
    with pytest.raises(ScanTimeoutError):
        ScanSession(HostPolicy(), config=config).get(URL)
    assert len(responses.calls) == 2


def test_the_ambient_deadline_applies_to_sessions_created_inside_it() -> None:
    from sfscan.collect.deadline import scan_deadline

    with scan_deadline(42.0, "the Lambda time limit"):
        inside = ScanSession(HostPolicy())
    outside = ScanSession(HostPolicy())
    assert inside.deadline is not None and inside.deadline.source == "the Lambda time limit"
    assert 0 < inside.deadline.remaining() <= 42.0
    assert outside.deadline is None
