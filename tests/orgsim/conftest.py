"""Fixtures for the org simulator tests: a simulator and real simple-salesforce clients.

The simulators here are ``InProcessOrg``s: the clients' requests go straight to ``OrgApi.handle``
(no socket, TLS or server thread). Tests that prove the HTTPS layer start an ``OrgSimulator``
themselves (test_cli.py, test_https.py, the admin call from another process in test_admin.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from orgsim_testkit import FIXTURE, JWT_GRANT, jwt_assertion, token_request, trusting_session
from simple_salesforce import Salesforce
from simple_salesforce.metadata import SfdcMetadataApi

from orgsim import Faults, OrgSimulator
from orgsim.inprocess import InProcessOrg


@pytest.fixture(scope="session")
def snapshot_dict() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[OrgSimulator]:
    """One simulator for tests that only read and add no faults."""
    with InProcessOrg(FIXTURE) as sim:
        yield sim


@pytest.fixture
def sim() -> Iterator[OrgSimulator]:
    """A fresh simulator for tests that change faults, counters or data."""
    with InProcessOrg(FIXTURE, faults=Faults()) as fresh:
        yield fresh


@pytest.fixture
def jwt_login() -> Callable[..., str]:
    """Log in with the JWT bearer flow, as a scanner would, and return the access token."""

    def login(sim: OrgSimulator, **claims: Any) -> str:
        resp = token_request(sim, grant_type=JWT_GRANT, assertion=jwt_assertion(sim, **claims))
        assert resp.status_code == 200, resp.text
        token: str = resp.json()["access_token"]
        return token

    return login


class TrustingSalesforce(Salesforce):
    """The real client; its Metadata API, built on first use (parsing the WSDL costs ~0.3 s, which
    REST-only tests skip), trusts the simulator's CA too: zeep ignores the injected session."""

    @property
    def mdapi(self) -> SfdcMetadataApi:
        built = self._mdapi is not None
        api = super().mdapi
        if not built:
            api._client.transport.session = self.session
        return api


@pytest.fixture
def client() -> Callable[..., Salesforce]:
    """A real simple-salesforce client on the simulator, its Metadata API trusting the CA too."""

    def make(sim: OrgSimulator, token: str | None = None) -> Salesforce:
        session = trusting_session(sim)
        return TrustingSalesforce(
            instance_url=sim.instance_url,
            session_id=token or sim.access_token,
            session=session,
            version="62.0",
        )

    return make
