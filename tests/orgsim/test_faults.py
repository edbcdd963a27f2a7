"""Every fault mode, as the real client experiences it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from orgsim_testkit import trusting_session
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from orgsim import Faults, OrgSimulator
from orgsim.inprocess import InProcessOrg

USERS = "SELECT Id FROM User"


def test_expired_token_answers_401_and_a_new_login_works(
    sim: OrgSimulator, client: Callable[..., Salesforce], jwt_login: Callable[..., str]
) -> None:
    sim.set_faults(Faults(expire_token_after=2))
    sf = client(sim, jwt_login(sim))
    sf.query(USERS)
    sf.query(USERS)
    with pytest.raises(SalesforceExpiredSession) as err:
        sf.query(USERS)
    assert err.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    fresh = client(sim, jwt_login(sim))
    assert fresh.query(USERS)["totalSize"] == 4
    assert client(sim, sim.access_token).query(USERS)["totalSize"] == 4  # always a working token


def test_request_limit_exceeded_after_n_calls(
    sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sim.set_faults(Faults(request_limit_after=1))
    sf = client(sim)
    sf.query(USERS)
    with pytest.raises(SalesforceRefusedRequest) as err:
        sf.query(USERS)
    assert err.value.status == 403
    assert err.value.content == [
        {"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}
    ]


def test_server_error_on_chosen_call_numbers(
    sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sim.set_faults(Faults(server_error_on=frozenset({2})))
    sf = client(sim)
    sf.query(USERS)
    with pytest.raises(SalesforceGeneralError) as err:
        sf.query(USERS)
    assert err.value.status == 503
    assert sf.query(USERS)["totalSize"] == 4  # call 3 is fine again


@pytest.mark.parametrize(
    ("faults", "code", "message"),
    [
        (
            Faults(insufficient_access=frozenset({"LoginHistory"})),
            "INSUFFICIENT_ACCESS",
            "LoginHistory",
        ),
        (
            Faults(invalid_type=frozenset({"LoginHistory"})),
            "INVALID_TYPE",
            "sObject type 'LoginHistory' is not supported.",
        ),
    ],
)
def test_object_faults_refuse_soql(
    sim: OrgSimulator, client: Callable[..., Salesforce], faults: Faults, code: str, message: str
) -> None:
    sim.set_faults(faults)
    sf = client(sim)
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM LoginHistory")
    assert err.value.content[0]["errorCode"] == code
    assert message in err.value.content[0]["message"]
    assert sf.query(USERS)["totalSize"] == 4


def test_truncated_body_cannot_be_parsed(sim: OrgSimulator) -> None:
    sim.set_faults(Faults(truncate_body_on=frozenset({1})))
    resp = trusting_session(sim).get(
        f"{sim.instance_url}/services/data/v62.0/query/",
        params={"q": USERS},
        headers={"Authorization": f"Bearer {sim.access_token}"},
        verify=sim.ca_bundle,
        timeout=30,
    )
    assert resp.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        resp.json()


def test_latency_and_daily_max(sim: OrgSimulator, client: Callable[..., Salesforce]) -> None:
    sim.set_faults(Faults(latency_ms=20, daily_api_max=100))
    sf = client(sim)
    assert sf.limits()["DailyApiRequests"] == {"Max": 100, "Remaining": 99}
    assert sf.api_usage["api-usage"].total == 100
    assert sim.faults.latency_ms == 20


def test_faults_given_at_start(client: Callable[..., Salesforce]) -> None:
    from orgsim_testkit import FIXTURE

    with InProcessOrg(FIXTURE, faults=Faults(server_error_on=frozenset({1}))) as sim:
        with pytest.raises(SalesforceGeneralError):
            client(sim).query(USERS)
        assert sim.api_calls == 1
