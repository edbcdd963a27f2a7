"""The token endpoint: JWT bearer and client credentials, with Salesforce's error bodies."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pytest
from orgsim_testkit import FIXTURE, JWT_GRANT, jwt_assertion, token_request, trusting_session
from simple_salesforce import Salesforce

from orgsim import OrgSimulator
from orgsim.inprocess import InProcessOrg


def test_username_is_an_active_api_only_user(shared_sim: OrgSimulator) -> None:
    assert shared_sim.username == "etl@acme.example"  # its profile has PermissionsApiUserOnly
    assert shared_sim.login_url == shared_sim.instance_url


def test_jwt_login_gives_a_token_the_real_client_can_use(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    resp = token_request(shared_sim, grant_type=JWT_GRANT, assertion=jwt_assertion(shared_sim))
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
        "scope",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == shared_sim.instance_url
    assert body["id"].endswith("/00DSIM000000001AAA/005SIM000000001AAA")
    sf = client(shared_sim, body["access_token"])
    assert (
        sf.query("SELECT Username FROM User WHERE Id = '005SIM000000001AAA'")["records"][0][
            "Username"
        ]
        == "etl@acme.example"
    )


@pytest.mark.parametrize("aud", ["https://login.salesforce.com", "https://test.salesforce.com"])
def test_jwt_accepts_the_public_login_audiences(shared_sim: OrgSimulator, aud: str) -> None:
    resp = token_request(
        shared_sim, grant_type=JWT_GRANT, assertion=jwt_assertion(shared_sim, aud=aud)
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        ({"sub": "nobody@acme.example"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"sub": "old@acme.example"}, "inactive_user", "user is inactive"),
        ({"aud": "https://evil.example"}, "invalid_grant", "audience is invalid"),
        ({"exp": int(time.time()) - 10}, "invalid_grant", "expired"),
    ],
)
def test_jwt_refusals(
    shared_sim: OrgSimulator, claims: dict[str, object], error: str, description: str
) -> None:
    resp = token_request(
        shared_sim, grant_type=JWT_GRANT, assertion=jwt_assertion(shared_sim, **claims)
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == error
    assert description in resp.json()["error_description"]


def test_jwt_signed_by_another_key_is_refused(shared_sim: OrgSimulator) -> None:
    with InProcessOrg(FIXTURE) as other:
        foreign = jwt_assertion(other, iss=shared_sim.client_id, aud=shared_sim.login_url)
    resp = token_request(shared_sim, grant_type=JWT_GRANT, assertion=foreign)
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_client_credentials_in_body_or_basic(shared_sim: OrgSimulator) -> None:
    body = token_request(
        shared_sim,
        grant_type="client_credentials",
        client_id=shared_sim.client_id,
        client_secret=shared_sim.client_secret,
    )
    assert body.status_code == 200
    basic = base64.b64encode(f"{shared_sim.client_id}:{shared_sim.client_secret}".encode()).decode()

    resp = trusting_session(shared_sim).post(
        f"{shared_sim.login_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        verify=shared_sim.ca_bundle,
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.json()["access_token"] != body.json()["access_token"]


def test_client_credentials_with_a_wrong_secret(shared_sim: OrgSimulator) -> None:
    resp = token_request(
        shared_sim,
        grant_type="client_credentials",
        client_id=shared_sim.client_id,
        client_secret="wrong",
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }


def test_unknown_grant_type(shared_sim: OrgSimulator) -> None:
    resp = token_request(shared_sim, grant_type="password")
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"


def test_token_calls_are_not_api_calls(sim: OrgSimulator) -> None:
    token_request(sim, grant_type=JWT_GRANT, assertion=jwt_assertion(sim))
    assert sim.api_calls == 0
