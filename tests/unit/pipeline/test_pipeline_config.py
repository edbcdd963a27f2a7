"""Environment settings are validated at cold start; a bad variable is named in the error."""

from __future__ import annotations

import pytest
from sfscan.pipeline.config import ConfigError, DispatchConfig, PublishConfig, ScanConfig

SCAN_ENV = {"SFSCAN_TABLE": "t", "SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs/"}


def test_scan_config_defaults_and_lists() -> None:
    cfg = ScanConfig.from_env(
        {
            **SCAN_ENV,
            "SFSCAN_DEFAULT_ALLOWED_NETWORKS": "203.0.113.0/24, 2001:db8::/32",
            "SFSCAN_ALLOWED_HOSTS": "127.0.0.1:8443",
            "SFSCAN_LOOKBACK_DAYS": "14",
        }
    )
    assert cfg.default_allowed_networks == ("203.0.113.0/24", "2001:db8::/32")
    assert cfg.allowed_hosts == ("127.0.0.1:8443",)
    assert (cfg.lookback_days, cfg.history_days, cfg.ca_bundle) == (14, 400, None)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs/"}, "SFSCAN_TABLE"),
        ({**SCAN_ENV, "SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs"}, "SFSCAN_ORG_SECRET_PREFIX"),
        ({**SCAN_ENV, "SFSCAN_LOOKBACK_DAYS": "thirty"}, "SFSCAN_LOOKBACK_DAYS"),
        ({**SCAN_ENV, "SFSCAN_LOOKBACK_DAYS": "365"}, "SFSCAN_LOOKBACK_DAYS"),
        ({**SCAN_ENV, "SFSCAN_DEFAULT_ALLOWED_NETWORKS": "10.0.0.1/8"}, "SFSCAN_DEFAULT_ALLOWED"),
        ({**SCAN_ENV, "SFSCAN_CA_BUNDLE": "/no/such/ca.pem"}, "SFSCAN_CA_BUNDLE"),
    ],
)
def test_bad_scan_config_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        ScanConfig.from_env(env)


def test_publish_config_requires_an_explicit_security_hub_switch() -> None:
    base = {"SFSCAN_TABLE": "t", "SFSCAN_TOPIC_ARN": "arn:aws:sns:us-east-1:1:t"}
    assert PublishConfig.from_env(
        {**base, "SFSCAN_ENABLE_SECURITY_HUB": "true"}
    ).enable_security_hub
    assert not PublishConfig.from_env(
        {**base, "SFSCAN_ENABLE_SECURITY_HUB": "False"}
    ).enable_security_hub
    with pytest.raises(ConfigError, match="SFSCAN_ENABLE_SECURITY_HUB"):
        PublishConfig.from_env({**base, "SFSCAN_ENABLE_SECURITY_HUB": "yes"})


def test_dispatch_config_needs_queue() -> None:
    with pytest.raises(ConfigError, match="SFSCAN_SCAN_QUEUE_URL"):
        DispatchConfig.from_env({"SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs/"})
