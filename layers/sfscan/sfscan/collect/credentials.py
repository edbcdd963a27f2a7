"""Org credentials: how sfscan logs in to one org (the JSON stored in a secret or given as flags).

```json
{"name": "acme-prod", "login_url": "https://acme.my.salesforce.com",
 "auth": {"flow": "jwt", "client_id": "3MVG...", "username": "sfscan@acme.com",
          "private_key": "-----BEGIN PRIVATE KEY-----\\n..."},
 "api_version": "62.0", "settings": {"allowed_networks": ["203.0.113.0/24"]}}
```

Secrets are ``SecretStr``: they never show in ``repr``, ``str``, logs or validation messages.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from sfscan.collect.facts import MIN_API_VERSION
from sfscan.domain.errors import InputError
from sfscan.domain.settings import Settings

DEFAULT_API_VERSION = "62.0"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class JwtBearerAuth(_Strict):
    """OAuth 2.0 JWT bearer flow: a connected app / external client app with a certificate."""

    flow: Literal["jwt"]
    client_id: str = Field(min_length=1)
    username: str = Field(min_length=1)
    private_key: SecretStr
    # The assertion's "aud". Default: derived from login_url (see auth.jwt_audience).
    audience: str | None = None

    @field_validator("private_key")
    @classmethod
    def _pem_private_key(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip()
        if "-----BEGIN" not in text or "PRIVATE KEY-----" not in text:
            raise ValueError(
                "must be a PEM private key ('-----BEGIN PRIVATE KEY-----' ...), "
                "the key whose certificate is on the connected app"
            )
        if "ENCRYPTED" in text:
            raise ValueError("is encrypted; store the key without a passphrase in the secret")
        try:
            load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError):
            raise ValueError("is not a readable PEM private key (RSA, unencrypted)") from None
        return SecretStr(text + "\n")


class ClientCredentialsAuth(_Strict):
    """OAuth 2.0 client credentials flow: consumer key and secret, run-as user on the app."""

    flow: Literal["client_credentials"]
    client_id: str = Field(min_length=1)
    client_secret: SecretStr

    @field_validator("client_secret")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value


Auth = Annotated[JwtBearerAuth | ClientCredentialsAuth, Field(discriminator="flow")]


class OrgCredentials(_Strict):
    name: str = Field(min_length=1)
    login_url: str
    auth: Auth
    api_version: str = Field(default=DEFAULT_API_VERSION, pattern=r"^[1-9][0-9]\.0$")
    settings: Settings | None = None

    @field_validator("api_version")
    @classmethod
    def _new_enough(cls, value: str) -> str:
        if int(value.split(".")[0]) < MIN_API_VERSION:
            raise ValueError(
                f"{value} is older than {MIN_API_VERSION}.0, the first version with every "
                "setting the rules read (external client app policies); use "
                f"{DEFAULT_API_VERSION} or later"
            )
        return value

    @field_validator("login_url")
    @classmethod
    def _https_origin(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("must be an https URL such as https://acme.my.salesforce.com")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be the login host only, e.g. https://login.salesforce.com")
        if parts.username or parts.password:
            raise ValueError("must not contain user information")
        return f"https://{parts.netloc.lower()}"

    @property
    def flow(self) -> str:
        return self.auth.flow

    @property
    def token_url(self) -> str:
        return self.login_url + "/services/oauth2/token"


def with_api_version(credentials: OrgCredentials, version: str) -> OrgCredentials:
    """The credentials with another API version, validated like the JSON's ``api_version``."""
    data = credentials.model_dump()
    data["api_version"] = version
    try:
        return OrgCredentials.model_validate({**data, "auth": credentials.auth})
    except ValidationError as exc:
        reasons = "; ".join(str(e.get("msg")) for e in exc.errors(include_input=False))
        raise InputError(f"--api-version: {reasons}") from None


def _location(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    # A discriminated union puts the tag into the path (auth.jwt.private_key); users see the
    # JSON path they wrote (auth.private_key).
    if len(parts) >= 2 and parts[0] == "auth" and parts[1] in ("jwt", "client_credentials"):
        del parts[1]
    return ".".join(str(p) for p in parts) or "(top level)"


def parse_credentials(data: Any, source: str = "credentials") -> OrgCredentials:
    """Validate credentials JSON; errors name the field (``auth.private_key``), never a value."""
    try:
        return OrgCredentials.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}: {_location(tuple(err.get('loc', ())))}: {err.get('msg', 'invalid value')}"
            for err in exc.errors(include_input=False, include_url=False)
        ]
        message = "invalid org credentials, nothing was scanned:\n" + "\n".join(lines)
        raise InputError(message) from None
