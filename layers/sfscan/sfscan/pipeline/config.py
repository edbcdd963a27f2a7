"""Each function's settings, read from the environment once at cold start and validated.

A missing or malformed variable stops the cold start with a message naming the variable, so a
broken deployment fails loudly at once instead of scanning with half a configuration.
The names below are the ones template.yaml sets; a template test keeps the two in step.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sfscan.domain.errors import InputError

TABLE = "SFSCAN_TABLE"
ORG_SECRET_PREFIX = "SFSCAN_ORG_SECRET_PREFIX"  # noqa: S105 (a variable name, not a secret)
SCAN_QUEUE_URL = "SFSCAN_SCAN_QUEUE_URL"
TOPIC_ARN = "SFSCAN_TOPIC_ARN"
ENABLE_SECURITY_HUB = "SFSCAN_ENABLE_SECURITY_HUB"
DEFAULT_ALLOWED_NETWORKS = "SFSCAN_DEFAULT_ALLOWED_NETWORKS"
ALLOWED_HOSTS = "SFSCAN_ALLOWED_HOSTS"
LOOKBACK_DAYS = "SFSCAN_LOOKBACK_DAYS"
HISTORY_DAYS = "SFSCAN_HISTORY_DAYS"
# Local runs only (demo, end-to-end tests): the org simulator's self-signed CA. A deployed
# function talks to Salesforce with the system trust store, so the template never sets it.
CA_BUNDLE = "SFSCAN_CA_BUNDLE"
LOCAL_ONLY = frozenset({CA_BUNDLE})

# Secrets are cached this long per warm container (Powertools parameters cache).
SECRET_MAX_AGE_SECONDS = 300

# botocore retry settings of every AWS client, in the functions and in the CLI alike.
AWS_RETRIES = {"mode": "standard", "max_attempts": 5}


class ConfigError(InputError):
    """The function's environment is wrong; the message names the variable."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} must be between {low} and {high}")
    return value


def _csv(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in env.get(name, "").split(",") if p.strip())


def _prefix(env: Mapping[str, str]) -> str:
    prefix = _required(env, ORG_SECRET_PREFIX)
    if not prefix.endswith("/"):
        raise ConfigError(f"{ORG_SECRET_PREFIX}={prefix!r} must end with '/'")
    return prefix


@dataclass(frozen=True)
class DispatchConfig:
    org_secret_prefix: str
    scan_queue_url: str

    READS = (ORG_SECRET_PREFIX, SCAN_QUEUE_URL)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DispatchConfig:
        e = os.environ if env is None else env
        return cls(org_secret_prefix=_prefix(e), scan_queue_url=_required(e, SCAN_QUEUE_URL))


@dataclass(frozen=True)
class ScanConfig:
    table: str
    org_secret_prefix: str
    default_allowed_networks: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    lookback_days: int = 30
    history_days: int = 400
    ca_bundle: str | None = None

    READS = (
        TABLE,
        ORG_SECRET_PREFIX,
        DEFAULT_ALLOWED_NETWORKS,
        ALLOWED_HOSTS,
        LOOKBACK_DAYS,
        HISTORY_DAYS,
        CA_BUNDLE,
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ScanConfig:
        e = os.environ if env is None else env
        networks = _csv(e, DEFAULT_ALLOWED_NETWORKS)
        for net in networks:
            try:
                ipaddress.ip_network(net, strict=True)
            except ValueError as exc:
                raise ConfigError(
                    f"{DEFAULT_ALLOWED_NETWORKS}: {net!r} is not a CIDR ({exc})"
                ) from None
        ca_bundle = e.get(CA_BUNDLE, "").strip() or None
        if ca_bundle is not None and not os.path.isfile(ca_bundle):
            raise ConfigError(f"{CA_BUNDLE}={ca_bundle!r} is not a readable file")
        return cls(
            table=_required(e, TABLE),
            org_secret_prefix=_prefix(e),
            default_allowed_networks=networks,
            allowed_hosts=_csv(e, ALLOWED_HOSTS),
            lookback_days=_int(e, LOOKBACK_DAYS, 30, 1, 180),
            history_days=_int(e, HISTORY_DAYS, 400, 1, 3650),
            ca_bundle=ca_bundle,
        )


@dataclass(frozen=True)
class PublishConfig:
    table: str
    topic_arn: str
    enable_security_hub: bool

    READS = (TABLE, TOPIC_ARN, ENABLE_SECURITY_HUB)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PublishConfig:
        e = os.environ if env is None else env
        flag = e.get(ENABLE_SECURITY_HUB, "").strip().lower()
        if flag not in ("true", "false"):
            raise ConfigError(f"{ENABLE_SECURITY_HUB} must be 'true' or 'false', got {flag!r}")
        return cls(
            table=_required(e, TABLE),
            topic_arn=_required(e, TOPIC_ARN),
            enable_security_hub=flag == "true",
        )


# function logical id in template.yaml -> the config it reads
FUNCTION_CONFIGS: dict[str, type[DispatchConfig] | type[ScanConfig] | type[PublishConfig]] = {
    "DispatchFunction": DispatchConfig,
    "ScanFunction": ScanConfig,
    "PublishFunction": PublishConfig,
}
