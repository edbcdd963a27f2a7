"""Helpers for the org simulator tests (a unique module name: tests dirs have no __init__)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import requests

from orgsim import OrgSimulator
from orgsim.inprocess import InProcessOrg

FIXTURE = Path(__file__).parent / "fixtures" / "acme.json"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def trusting_session(sim: OrgSimulator) -> requests.Session:
    """A session that reaches ``sim``: in process for an ``InProcessOrg``, else over HTTPS."""
    if isinstance(sim, InProcessOrg):
        return sim.session()
    # REQUESTS_CA_BUNDLE is set on these machines and beats Session.verify (api notes 14.1).
    session = requests.Session()
    session.trust_env = False
    session.verify = sim.ca_bundle
    return session


def jwt_assertion(sim: OrgSimulator, **claims: Any) -> str:
    body = {
        "iss": sim.client_id,
        "sub": sim.username,
        "aud": sim.login_url,
        "exp": int(time.time()) + 180,
    }
    body.update(claims)
    key = Path(sim.private_key_file).read_text()
    return jwt.encode(body, key, algorithm="RS256")


def token_request(sim: OrgSimulator, **form: str) -> requests.Response:
    return trusting_session(sim).post(
        f"{sim.login_url}/services/oauth2/token", data=form, verify=sim.ca_bundle, timeout=30
    )
