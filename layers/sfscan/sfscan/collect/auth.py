"""OAuth login: one explicit path per flow (JWT bearer, client credentials), our own session.

simple-salesforce's own login helpers hard-wire ``https://{domain}.salesforce.com`` and guess the
flow from whichever arguments are present; we post to the credentials' ``login_url`` ourselves,
check every host against the allow-list first, and turn OAuth errors into one sentence saying
what to fix. The assertion, the secret and the token never reach a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import jwt
from pydantic import SecretStr

from sfscan.collect.credentials import (
    ClientCredentialsAuth,
    JwtBearerAuth,
    OrgCredentials,
)
from sfscan.collect.hosts import HostPolicy, is_salesforce_host
from sfscan.collect.http import ScanSession
from sfscan.domain.errors import ScanIncompleteError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(minutes=3)
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"


@dataclass(frozen=True)
class TokenGrant:
    access_token: SecretStr = field(repr=False)
    instance_url: str
    org_id: str | None = None
    user_id: str | None = None


def jwt_audience(credentials: OrgCredentials) -> str:
    """The ``aud`` claim Salesforce expects for this login URL.

    login/test hosts are their own audience; a My Domain uses the production audience unless it
    is a sandbox; a non-Salesforce host that the user explicitly allowed (a test double such as
    the org simulator, or an Experience Cloud site behind a custom domain) uses the login URL.
    An ``auth.audience`` in the credentials wins over all of these.
    """
    auth = credentials.auth
    if isinstance(auth, JwtBearerAuth) and auth.audience:
        return auth.audience
    host = (urlsplit(credentials.login_url).hostname or "").lower()
    if not is_salesforce_host(host):
        return credentials.login_url
    if host.startswith(("login.", "test.")):
        return f"https://{host}"
    if ".sandbox." in host or host.endswith(".cs.force.com") or "--" in host.split(".")[0]:
        return SANDBOX_AUDIENCE
    return PRODUCTION_AUDIENCE


def build_assertion(credentials: OrgCredentials, auth: JwtBearerAuth, now: datetime) -> str:
    claims = {
        "iss": auth.client_id,
        "sub": auth.username,
        "aud": jwt_audience(credentials),
        "exp": int((now + ASSERTION_LIFETIME).timestamp()),
    }
    token: str = jwt.encode(claims, auth.private_key.get_secret_value(), algorithm="RS256")
    return token


# error -> what to fix. The error_description narrows invalid_grant (it is the only signal).
_INVALID_GRANT_HINTS: tuple[tuple[str, str], ...] = (
    (
        "hasn't approved this consumer",
        "pre-authorize the user's profile or permission set on the connected app (set Permitted "
        "Users to 'Admin approved users are pre-authorized' and add the profile or permission "
        "set), or approve the app once as that user",
    ),
    (
        "audience",
        "the JWT audience was refused: use login_url https://login.salesforce.com or your My "
        "Domain for production and https://test.salesforce.com for a sandbox",
    ),
    (
        "expired",
        "the assertion was already expired when it arrived: correct this machine's clock",
    ),
    (
        "invalid assertion",
        "the JWT signature was refused: upload the certificate of this private key to the "
        "connected app (Use digital signatures) and check client_id is that app's consumer key",
    ),
    (
        "client credentials user",
        "choose a run-as user for the Client Credentials flow on the app (Run As), an API-only "
        "integration user",
    ),
    (
        "ip restricted",
        "the login came from an IP outside the user's Login IP Ranges: run sfscan from the "
        "network its profile allows, or add this egress address to the profile",
    ),
    (
        "login hours",
        "the login is outside the user's profile login hours: widen them for the integration user",
    ),
    (
        "authentication failure",
        "check that username exists in this org, is active, and that login_url points at it "
        "(production vs sandbox)",
    ),
)
_OAUTH_HINTS = {
    "invalid_client_id": "the client_id is not a consumer key of this org: copy the consumer "
    "key of the connected app / external client app and check login_url is that org",
    "invalid_client": "the app refused the client: check client_id and client_secret, and that "
    "the app is installed in this org (uninstalled apps are blocked since 2025)",
    "inactive_user": "the scanner's user is deactivated: activate it or configure another user",
    "inactive_org": "the org is locked, deleted or inactive: check the login_url points at a "
    "live org",
    "unsupported_grant_type": "enable this OAuth flow on the app (JWT bearer needs a "
    "certificate; client credentials needs 'Enable Client Credentials Flow')",
    "rate_limit_exceeded": "Salesforce throttled logins for this user: wait a few minutes and "
    "try again",
    "invalid_request": "the login request was refused as malformed: check login_url is a "
    "Salesforce login host and the flow matches the app",
    "unsupported_response_type": "the app does not allow this OAuth flow: enable it on the app",
}


def explain_oauth_error(error: str, description: str, flow: str) -> str:
    """One sentence naming the OAuth error and what to fix (no secret, no assertion)."""
    desc = " ".join(description.split())[:200]
    hint = ""
    if error == "invalid_grant":
        lowered = desc.lower()
        hint = next((fix for needle, fix in _INVALID_GRANT_HINTS if needle in lowered), "")
        if not hint:
            hint = "check the user, the app's permitted users and the login_url"
    else:
        hint = _OAUTH_HINTS.get(error, "check the app's OAuth settings and the login_url")
    detail = f"{error}: {desc}" if desc else error
    return f"Salesforce refused the {flow} login ({detail}); {hint}."


def request_token(
    credentials: OrgCredentials,
    session: ScanSession,
    host_policy: HostPolicy,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TokenGrant:
    """Log in and return the token. Hosts are checked before anything secret is sent."""
    host_policy.check(credentials.login_url)
    auth = credentials.auth
    if isinstance(auth, JwtBearerAuth):
        flow = "JWT bearer"
        data = {"grant_type": JWT_GRANT, "assertion": build_assertion(credentials, auth, now())}
        basic: tuple[str, str] | None = None
    else:
        assert isinstance(auth, ClientCredentialsAuth)
        flow = "client credentials"
        data = {"grant_type": "client_credentials"}
        basic = (auth.client_id, auth.client_secret.get_secret_value())
    response = session.post_token(
        credentials.token_url,
        data=data,
        auth=basic,
        headers={"Accept": "application/json"},
    )
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ScanIncompleteError(
            f"the token endpoint {credentials.login_url} answered HTTP {response.status_code} "
            "without an OAuth response; check login_url points at a Salesforce login host"
        )
    if response.status_code != 200 or "access_token" not in body:
        raise ScanIncompleteError(
            explain_oauth_error(
                str(body.get("error") or f"HTTP {response.status_code}"),
                str(body.get("error_description") or ""),
                flow,
            )
        )
    instance_url = str(body.get("instance_url") or "").rstrip("/")
    # The token goes to instance_url next: it must pass the same allow-list.
    host_policy.check(instance_url)
    org_id, user_id = _ids_from_identity_url(str(body.get("id") or ""))
    return TokenGrant(
        access_token=SecretStr(str(body["access_token"])),
        instance_url=instance_url,
        org_id=org_id,
        user_id=user_id,
    )


def _ids_from_identity_url(identity_url: str) -> tuple[str | None, str | None]:
    """``https://login.salesforce.com/id/<orgId>/<userId>`` -> (orgId, userId)."""
    parts = [p for p in urlsplit(identity_url).path.split("/") if p]
    if len(parts) >= 3 and parts[-3] == "id":
        return parts[-2], parts[-1]
    return None, None
