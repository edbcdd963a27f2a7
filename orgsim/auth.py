"""Certificates, the OAuth token endpoint (JWT bearer, client credentials) and sessions."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from orgsim.faults import Faults
from orgsim.store import OrgStore

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PUBLIC_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


def _self_signed(key: rsa.RSAPrivateKey, common_name: str, tls: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if tls:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        ).add_extension(
            x509.KeyUsage(
                digital_signature=True, key_encipherment=True, key_cert_sign=True,
                content_commitment=False, data_encipherment=False, key_agreement=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    return builder.sign(key, hashes.SHA256())


def _write_key(key: rsa.RSAPrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


@dataclass(frozen=True)
class KeyMaterial:
    tls_cert_file: Path  # also the CA bundle clients trust
    tls_key_file: Path
    jwt_private_key_file: Path
    jwt_cert_file: Path  # the certificate "uploaded to the connected app"
    jwt_key: rsa.RSAPrivateKey  # handed to a later simulator once this one stops


@functools.cache
def _tls_key() -> rsa.RSAPrivateKey:
    """One TLS key per process: generating it takes ~0.13 s, which every simulator a test starts
    would pay. Each simulator still gets its own certificate; its JWT key stays its own, so an
    assertion signed by another simulator's key is refused."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# JWT keys of stopped simulators. A running simulator's key is its own, so an assertion signed by
# another running simulator is refused; a stopped one's key saves the next one generating a key.
_SPARE_JWT_KEYS: list[rsa.RSAPrivateKey] = []
_SPARE_LOCK = threading.Lock()


def release_key_material(keys: KeyMaterial) -> None:
    """The simulator holding ``keys`` stopped: its JWT key may serve the next one."""
    with _SPARE_LOCK:
        _SPARE_JWT_KEYS.append(keys.jwt_key)


def _jwt_key() -> rsa.RSAPrivateKey:
    with _SPARE_LOCK:
        if _SPARE_JWT_KEYS:
            return _SPARE_JWT_KEYS.pop()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_key_material(directory: Path) -> KeyMaterial:
    tls_key = _tls_key()
    jwt_key = _jwt_key()
    files = KeyMaterial(
        directory / "orgsim-ca.pem",
        directory / "orgsim-tls-key.pem",
        directory / "orgsim-jwt-key.pem",
        directory / "orgsim-jwt-cert.pem",
        jwt_key,
    )
    tls_cert = _self_signed(tls_key, "orgsim 127.0.0.1", tls=True)
    files.tls_cert_file.write_bytes(tls_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(tls_key, files.tls_key_file)
    jwt_cert = _self_signed(jwt_key, "orgsim JWT client", tls=False)
    files.jwt_cert_file.write_bytes(jwt_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(jwt_key, files.jwt_private_key_file)
    return files


@dataclass(frozen=True)
class Session:
    username: str
    user_id: str
    issued_at_call: int


class Sessions:
    """Issued access tokens and whether each still works under the current faults."""

    def __init__(self, org_id: str) -> None:
        self._org_id = org_id
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def issue(self, username: str, user_id: str, calls_so_far: int) -> str:
        token = f"{self._org_id[:15]}!AQ{secrets.token_urlsafe(48)}"
        with self._lock:
            self._by_token[token] = Session(username, user_id, calls_so_far)
        return token

    def find(self, token: str) -> Session | None:
        with self._lock:
            return self._by_token.get(token)

    def valid(self, token: str, call_number: int, faults: Faults) -> bool:
        session = self.find(token)
        if session is None:
            return False
        limit = faults.expire_token_after
        return limit is None or call_number - session.issued_at_call <= limit


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class TokenEndpoint:
    store: OrgStore
    sessions: Sessions
    client_id: str
    client_secret: str
    jwt_cert_file: Path
    login_url: str
    run_as_username: str  # the client-credentials flow's "Run As" user

    def grant(
        self, form: dict[str, str], basic: tuple[str, str] | None, calls: int
    ) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type == JWT_GRANT:
            username = self._jwt_subject(form.get("assertion", ""))
        elif grant_type == "client_credentials":
            cid, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
            if not (
                hmac.compare_digest(cid, self.client_id)
                and hmac.compare_digest(secret, self.client_secret)
            ):
                raise TokenError("invalid_client", "invalid client credentials")
            username = self.run_as_username
        else:
            raise TokenError("unsupported_grant_type", "grant type not supported")
        user = self.store.user_by_username(username)
        if user is None:
            raise TokenError("invalid_grant", "user hasn't approved this consumer")
        if not user.get("IsActive"):
            raise TokenError("inactive_user", "user is inactive")
        token = self.sessions.issue(str(user["Username"]), str(user.get("Id", "")), calls)
        issued_at = str(int(time.time() * 1000))
        org_id = str(self.store.org.get("Id", ""))
        user_url = f"{self.login_url}/id/{org_id}/{user.get('Id', '')}"
        digest = hmac.new(
            self.client_secret.encode(), (user_url + issued_at).encode(), hashlib.sha256
        )
        return {
            "access_token": token,
            "instance_url": self.login_url,
            "id": user_url,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest.digest()).decode(),
            "scope": "api",
        }

    def _jwt_subject(self, assertion: str) -> str:
        cert = x509.load_pem_x509_certificate(self.jwt_cert_file.read_bytes())
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iss": False},
            )
        except jwt.PyJWTError:
            raise TokenError("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != self.client_id:
            raise TokenError("invalid_client_id", "client identifier invalid")
        audiences = (self.login_url, self.login_url + "/", *PUBLIC_AUDIENCES)
        aud = claims.get("aud")
        if not any(a in audiences for a in (aud if isinstance(aud, list) else [aud])):
            raise TokenError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= time.time():
            raise TokenError("invalid_grant", "expired assertion (exp is not in the future)")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise TokenError("invalid_grant", "user hasn't approved this consumer")
        return sub
