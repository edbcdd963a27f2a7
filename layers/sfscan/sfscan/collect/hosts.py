"""Which hosts sfscan may send an assertion, a secret or a token to.

A credentials file or a token response could point sfscan at any host; without this check a
typo (or a hostile secret) would hand a private-key-signed assertion or an access token to a
stranger. Salesforce's own domains are allowed; anything else must be named explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from sfscan.domain.errors import InputError

# Salesforce login, My Domain, instance, government and China hosts, sites.
SALESFORCE_DOMAINS = (
    "salesforce.com",
    "force.com",
    "cloudforce.com",
    "salesforce.mil",
    "sfcrmproducts.cn",
    "salesforce-sites.com",
    "site.com",
)
ALLOWED_HOSTS_ENV = "SFSCAN_ALLOWED_HOSTS"


def _split_host_port(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower().rstrip(".")
    if not entry:
        raise InputError("an allowed host is empty; give a host name or host:port")
    if "/" in entry or "@" in entry:
        raise InputError(
            f"allowed host {entry!r} must be a host name or host:port, not a URL "
            "(e.g. --allow-host 127.0.0.1:8443)"
        )
    if entry.startswith("["):  # [::1]:8443
        host, _, rest = entry[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    else:
        host, port_text = entry, ""
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"allowed host {entry!r} has an invalid port")
    return host, int(port_text)


def allowed_hosts_from_env(environ: dict[str, str] | None = None) -> list[str]:
    """``SFSCAN_ALLOWED_HOSTS``: comma-separated hosts or host:port entries."""
    env = os.environ if environ is None else environ
    raw = env.get(ALLOWED_HOSTS_ENV, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def is_salesforce_host(host: str) -> bool:
    """True for a Salesforce domain or a subdomain of one (dot boundary: not evilsalesforce.com)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in SALESFORCE_DOMAINS)


class HostPolicy:
    """Refuses any URL that is not https on a Salesforce domain or an explicitly allowed host."""

    def __init__(self, extra_allowed: Iterable[str] = ()) -> None:
        self._extra: list[tuple[str, int | None]] = [_split_host_port(e) for e in extra_allowed]

    @property
    def extra_allowed(self) -> tuple[str, ...]:
        return tuple(h if p is None else f"{h}:{p}" for h, p in self._extra)

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() != "https":
            raise InputError(
                f"refusing to talk to {_origin(url)}: only https URLs are allowed "
                "(credentials and tokens are never sent in clear text)"
            )
        if parts.username is not None or parts.password is not None:
            raise InputError("refusing a URL with user information in it; give https://host[:port]")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise InputError(f"refusing {url!r}: it has no host name")
        try:
            port = parts.port
        except ValueError:
            raise InputError(f"refusing {_origin(url)}: invalid port") from None
        if is_salesforce_host(host):
            return
        if any(h == host and (p is None or p == port) for h, p in self._extra):
            return
        where = host if port is None else f"{host}:{port}"
        raise InputError(
            f"refusing to send credentials to {where}: it is not a Salesforce domain "
            f"({', '.join(SALESFORCE_DOMAINS)}); if you trust it, allow it with "
            f"--allow-host {where} or {ALLOWED_HOSTS_ENV}"
        )


def _origin(url: str) -> str:
    """The scheme and host of a URL, for messages (never its path or query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else repr(url)
