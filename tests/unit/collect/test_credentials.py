"""Org credentials: validation with field paths, and secrets that never leak."""

from __future__ import annotations

from typing import Any

import pytest
from collect_keys import private_key_pem
from sfscan.collect.credentials import OrgCredentials, parse_credentials
from sfscan.domain.errors import InputError

SECRET = "s3cr3t-consumer-secret-value"


def jwt_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "acme-prod",
        "login_url": "https://acme.my.salesforce.com",
        "auth": {
            "flow": "jwt",
            "client_id": "3MVG9abc",
            "username": "sfscan@acme.com",
            "private_key": private_key_pem(),
        },
    }
    data.update(overrides)
    return data


def cc_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "acme-prod",
        "login_url": "https://acme.my.salesforce.com/",
        "auth": {"flow": "client_credentials", "client_id": "3MVG9abc", "client_secret": SECRET},
    }
    data.update(overrides)
    return data


def error_of(data: Any) -> str:
    with pytest.raises(InputError) as info:
        parse_credentials(data, source="secret sfscan/orgs/acme")
    return str(info.value)


def test_jwt_credentials_parse_with_defaults() -> None:
    creds = parse_credentials(jwt_data())
    assert creds.flow == "jwt"
    assert creds.api_version == "62.0"
    assert creds.settings is None
    assert creds.token_url == "https://acme.my.salesforce.com/services/oauth2/token"


def test_client_credentials_login_url_is_normalised_to_its_origin() -> None:
    creds = parse_credentials(cc_data(login_url="https://ACME.my.salesforce.com/"))
    assert creds.login_url == "https://acme.my.salesforce.com"


def test_settings_in_the_secret_are_parsed_like_a_settings_file() -> None:
    creds = parse_credentials(jwt_data(settings={"allowed_networks": ["203.0.113.0/24"]}))
    assert creds.settings is not None
    assert [str(n) for n in creds.settings.allowed_networks] == ["203.0.113.0/24"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (jwt_data(auth={**jwt_data()["auth"], "private_key": "not a key"}), "auth.private_key"),
        (cc_data(auth={"flow": "client_credentials", "client_id": "x"}), "auth.client_secret"),
        (jwt_data(login_url="http://acme.my.salesforce.com"), "login_url"),
        (jwt_data(login_url="https://acme.my.salesforce.com/services"), "login_url"),
        (jwt_data(api_version="v62"), "api_version"),
        (jwt_data(settings={"allowed_networks": ["10.0.0.1/8"]}), "settings.allowed_networks"),
        (jwt_data(settings={"lookback_days": "many"}), "settings.lookback_days"),
        (jwt_data(unexpected=True), "unexpected"),
        (jwt_data(auth={"flow": "password"}), "auth"),
    ],
)
def test_errors_name_the_field_and_the_source(data: dict[str, Any], field: str) -> None:
    message = error_of(data)
    assert f"secret sfscan/orgs/acme: {field}:" in message
    assert "nothing was scanned" in message


def test_an_encrypted_private_key_is_refused_with_a_hint() -> None:
    encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"
    message = error_of(jwt_data(auth={**jwt_data()["auth"], "private_key": encrypted}))
    assert "auth.private_key" in message and "passphrase" in message


def test_secrets_never_show_in_str_repr_or_dumps() -> None:
    creds = parse_credentials(cc_data())
    jwt_creds = parse_credentials(jwt_data())
    key_body = private_key_pem().splitlines()[1]
    for text in (str(creds), repr(creds), repr(creds.auth), str(creds.model_dump())):
        assert SECRET not in text
    for text in (str(jwt_creds), repr(jwt_creds), str(jwt_creds.model_dump())):
        assert key_body not in text


def test_secrets_never_show_in_validation_errors() -> None:
    # A secret typed into the wrong place, or around a wrong field, is not echoed back.
    message = error_of(
        cc_data(
            name="",
            auth={
                "flow": "client_credentials",
                "client_id": SECRET,
                "client_secret": SECRET,
                "oops": SECRET,
            },
        )
    )
    assert SECRET not in message
    key = private_key_pem()
    message = error_of(
        jwt_data(login_url="ftp://x", auth={**jwt_data()["auth"], "private_key": key[:200]})
    )
    assert key[40:200] not in message


def test_credentials_are_immutable() -> None:
    creds = parse_credentials(cc_data())
    with pytest.raises(ValueError):
        creds.name = "other"  # type: ignore[misc]
    assert isinstance(creds, OrgCredentials)


@pytest.mark.parametrize("version", ["59.0", "49.0"])
def test_api_versions_older_than_the_newest_feature_read_are_refused(version: str) -> None:
    message = error_of(jwt_data(api_version=version))
    assert f"api_version: Value error, {version} is older than 60.0" in message
    assert "external client app policies" in message
