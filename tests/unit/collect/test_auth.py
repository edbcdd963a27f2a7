"""OAuth login against a mocked token endpoint: claims, hosts checked first, errors explained."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
import responses
from collect_keys import private_key_pem, public_key_pem
from sfscan.collect.auth import jwt_audience, request_token
from sfscan.collect.credentials import parse_credentials
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import HttpConfig, ScanSession
from sfscan.domain.errors import InputError, ScanIncompleteError

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = "cc-secret-do-not-print"
TOKEN = "00Dxx!AQ-access-token-do-not-print"
LOGIN = "https://acme.my.salesforce.com"
TOKEN_URL = LOGIN + "/services/oauth2/token"
OK_BODY = {
    "access_token": TOKEN,
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA",
    "token_type": "Bearer",
}


def jwt_creds(login_url: str = LOGIN, **auth: Any) -> Any:
    return parse_credentials(
        {
            "name": "acme",
            "login_url": login_url,
            "auth": {
                "flow": "jwt",
                "client_id": "3MVG9key",
                "username": "sfscan@acme.com",
                "private_key": private_key_pem(),
                **auth,
            },
        }
    )


def cc_creds(login_url: str = LOGIN) -> Any:
    return parse_credentials(
        {
            "name": "acme",
            "login_url": login_url,
            "auth": {
                "flow": "client_credentials",
                "client_id": "3MVG9key",
                "client_secret": SECRET,
            },
        }
    )


def session(policy: HostPolicy, ca_bundle: str | None = None) -> ScanSession:
    return ScanSession(policy, ca_bundle=ca_bundle, config=HttpConfig(sleep=lambda _: None))


@responses.activate
def test_jwt_assertion_carries_the_documented_claims() -> None:
    responses.post(TOKEN_URL, json=OK_BODY)
    grant = request_token(jwt_creds(), session(HostPolicy()), HostPolicy(), now=lambda: NOW)
    form = dict(p.split("=", 1) for p in str(responses.calls[0].request.body).split("&"))
    assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
    claims = jwt.decode(
        form["assertion"],
        public_key_pem(),
        algorithms=["RS256"],
        options={"verify_exp": False},
        audience="https://login.salesforce.com",
    )
    assert claims["iss"] == "3MVG9key"
    assert claims["sub"] == "sfscan@acme.com"
    assert claims["exp"] == int(NOW.timestamp()) + 180
    assert grant.instance_url == "https://acme.my.salesforce.com"
    assert (grant.org_id, grant.user_id) == ("00D000000000001AAA", "005000000000001AAA")
    assert TOKEN not in repr(grant)


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
    ],
)
def test_jwt_audience_follows_the_login_url(login_url: str, audience: str) -> None:
    assert jwt_audience(jwt_creds(login_url)) == audience


def test_an_explicit_audience_wins() -> None:
    creds = jwt_creds(audience="https://acme.my.site.com/partners")
    assert jwt_audience(creds) == "https://acme.my.site.com/partners"


@responses.activate
def test_client_credentials_use_http_basic_and_the_login_url() -> None:
    responses.post(TOKEN_URL, json=OK_BODY)
    sess = session(HostPolicy(), ca_bundle="/etc/sim-ca.pem")
    request_token(cc_creds(), sess, HostPolicy())
    call = responses.calls[0]
    expected = base64.b64encode(f"3MVG9key:{SECRET}".encode()).decode()
    assert call.request.headers["Authorization"] == f"Basic {expected}"
    assert call.request.body == "grant_type=client_credentials"
    # verify= and a timeout on the request itself (REQUESTS_CA_BUNDLE would beat Session.verify)
    assert call.request.req_kwargs["verify"] == "/etc/sim-ca.pem"
    assert call.request.req_kwargs["timeout"] == (10.0, 60.0)
    assert sess.budget.snapshot() == (0, 1)  # a token call, not an API call


@responses.activate
def test_a_refused_login_url_receives_nothing() -> None:
    with pytest.raises(InputError, match=r"--allow-host 127.0.0.1:8443"):
        request_token(cc_creds("https://127.0.0.1:8443"), session(HostPolicy()), HostPolicy())
    assert len(responses.calls) == 0


@responses.activate
def test_an_instance_url_off_the_allow_list_is_refused_before_the_token_is_used() -> None:
    responses.post(TOKEN_URL, json={**OK_BODY, "instance_url": "https://evil.example"})
    with pytest.raises(InputError, match=r"evil.example") as info:
        request_token(cc_creds(), session(HostPolicy()), HostPolicy())
    assert TOKEN not in str(info.value)
    assert len(responses.calls) == 1  # only the token request went out


@pytest.mark.parametrize(
    ("error", "description", "fix"),
    [
        ("invalid_grant", "user hasn't approved this consumer", "pre-authorize the user's profile"),
        ("invalid_grant", "audience is invalid", "https://test.salesforce.com"),
        ("invalid_grant", "invalid assertion", "certificate"),
        ("invalid_grant", "no client credentials user enabled", "run-as user"),
        ("invalid_grant", "ip restricted or invalid login hours", "Login IP Ranges"),
        ("invalid_client_id", "client identifier invalid", "consumer key"),
        ("invalid_client", "invalid client credentials", "client_secret"),
        ("inactive_user", "user is inactive", "activate"),
        ("inactive_org", "organization is locked", "live org"),
        ("unsupported_grant_type", "grant type not supported", "enable"),
        ("rate_limit_exceeded", "too many requests", "wait"),
    ],
)
@responses.activate
def test_oauth_errors_become_one_actionable_sentence(
    error: str, description: str, fix: str
) -> None:
    responses.post(TOKEN_URL, status=400, json={"error": error, "error_description": description})
    with pytest.raises(ScanIncompleteError) as info:
        request_token(jwt_creds(), session(HostPolicy()), HostPolicy(), now=lambda: NOW)
    message = str(info.value)
    assert error in message and fix in message
    assert message.count(". ") == 0 and message.endswith(".")
    assert "BEGIN" not in message and "eyJ" not in message  # neither key nor assertion


@responses.activate
def test_oauth_errors_never_contain_the_client_secret() -> None:
    responses.post(
        TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "x"}
    )
    with pytest.raises(ScanIncompleteError) as info:
        request_token(cc_creds(), session(HostPolicy()), HostPolicy())
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)


@responses.activate
def test_a_token_endpoint_that_is_not_oauth_is_reported() -> None:
    responses.post(TOKEN_URL, status=404, body="<html>Not here</html>")
    with pytest.raises(ScanIncompleteError, match="without an OAuth response"):
        request_token(cc_creds(), session(HostPolicy()), HostPolicy())
