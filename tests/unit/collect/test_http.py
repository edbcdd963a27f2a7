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
