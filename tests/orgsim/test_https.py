"""The HTTPS layer (orgsim.server): the only tests here that open sockets, besides the CLI's
(test_cli.py) and the admin call from another process (test_admin.py). Every other orgsim test
reaches ``OrgApi.handle`` in process (``InProcessOrg``, see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from orgsim_testkit import FIXTURE, JWT_GRANT, jwt_assertion, token_request, trusting_session
from simple_salesforce import Salesforce

from orgsim import OrgSimulator


def test_served_on_127_0_0_1_with_its_own_certificate(
    client: Callable[..., Salesforce],
) -> None:
    with OrgSimulator(FIXTURE) as sim:
        assert sim.login_url == sim.instance_url
        assert sim.login_url.startswith("https://127.0.0.1:")
        resp = token_request(sim, grant_type=JWT_GRANT, assertion=jwt_assertion(sim))
        assert resp.status_code == 200, resp.text
        sf = client(sim, resp.json()["access_token"])
        assert (
            sf.query("SELECT Username FROM User WHERE Username = 'etl@acme.example'")["totalSize"]
            == 1
        )
        assert sim.api_calls == 1
        untrusting = requests.Session()
        untrusting.trust_env = False  # the system CAs, which never signed the simulator's cert
        with pytest.raises(requests.exceptions.SSLError):
            untrusting.get(f"{sim.instance_url}/services/data/", timeout=30)
        assert trusting_session(sim).get(f"{sim.instance_url}/services/data/", timeout=30).ok
