"""Settings validation: defaults, accepted shapes and refusals that name the field."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sfscan.domain.errors import InputError
from sfscan.domain.settings import (
    DEFAULT_EXCESSIVE_PERMISSIONS,
    DEFAULT_INTEGRATION_PROFILES,
    Settings,
    load_settings,
    parse_settings,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def refused(data: Any) -> str:
    with pytest.raises(InputError) as exc:
        parse_settings(data, "org.json")
    return str(exc.value)


def test_defaults_match_control_md() -> None:
    s = parse_settings(None)
    assert s == Settings()
    assert s.allowed_networks == ()
    assert s.lookback_days == 30
    assert s.outside_login_scope == "integration"
    assert s.integration_users.profiles == DEFAULT_INTEGRATION_PROFILES
    assert s.integration_users.detect_by_behavior is True
    assert s.excessive_permissions == DEFAULT_EXCESSIVE_PERMISSIONS
    assert s.suppressions == ()


def test_ipv4_and_ipv6_networks_are_parsed() -> None:
    s = parse_settings({"allowed_networks": ["203.0.113.0/24", " 2001:db8:ace::/48 "]})
    assert s.allowed_networks == (
        ipaddress.ip_network("203.0.113.0/24"),
        ipaddress.ip_network("2001:db8:ace::/48"),
    )
    assert s.to_json_dict()["allowed_networks"] == ["203.0.113.0/24", "2001:db8:ace::/48"]


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        ({"allowed_networks": ["10.0.0.0/33"]}, "allowed_networks", "not a valid CIDR"),
        (
            {"allowed_networks": ["203.0.113.7/24"]},
            "allowed_networks",
            "did you mean 203.0.113.0/24",
        ),
        ({"allowed_networks": "203.0.113.0/24"}, "allowed_networks", "list of CIDR"),
        ({"allowed_networks": [24]}, "allowed_networks", "item 0"),
        ({"lookback_days": "thirty"}, "lookback_days", ""),
        ({"lookback_days": "30"}, "lookback_days", ""),  # strict: a number, not text
        ({"lookback_days": 0}, "lookback_days", ""),
        ({"lookback_days": 400}, "lookback_days", ""),
        ({"outside_login_scope": "everyone"}, "outside_login_scope", ""),
        (
            {"excessive_permissions": ["PermissionsModifyAllData"]},
            "excessive_permissions",
            "prefix",
        ),
        (
            {"integration_users": {"username_patterns": ["[a-"]}},
            "integration_users.username_patterns",
            "regular expression",
        ),
        ({"integration_users": {"usernam": []}}, "integration_users.usernam", ""),
        (
            {"suppressions": [{"rule_id": "SF-IU-99", "resource_id": "005x", "reason": "r"}]},
            "suppressions.0.rule_id",
            "unknown rule id",
        ),
        (
            {"suppressions": [{"rule_id": "SF-IU-01", "resource_id": "005x"}]},
            "suppressions.0.reason",
            "",
        ),
        (
            {
                "suppressions": [
                    {
                        "rule_id": "SF-IU-01",
                        "resource_id": "x",
                        "reason": "r",
                        "expires": "2027-01-01T00:00:00",
                    }
                ]
            },
            "suppressions.0.expires",
            "",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    data: dict[str, Any], field: str, hint: str
) -> None:
    message = refused(data)
    assert f"org.json: {field}" in message
    assert hint in message
    assert "nothing was scanned" in message


def test_a_typed_secret_is_not_echoed_back() -> None:
    message = refused({"allowed_networks": ["203.0.113.0/24"], "password": "hunter2-secret"})
    assert "password" in message and "hunter2-secret" not in message


def test_suppression_applies_until_it_expires() -> None:
    s = parse_settings(
        {
            "suppressions": [
                {
                    "rule_id": "SF-CA-01",
                    "resource_id": "App",
                    "reason": "r",
                    "expires": "2026-12-01T00:00:00Z",
                },
                {
                    "rule_id": "SF-CA-02",
                    "resource_id": "Eca",
                    "reason": "r",
                    "expires": "2026-11-01T00:00:00Z",
                },
                {"rule_id": "SF-ORG-01", "resource_id": "00D", "reason": "r"},
            ]
        }
    )
    assert s.active_suppression("SF-CA-01", "App", NOW) is not None
    assert s.active_suppression("SF-CA-01", "Other", NOW) is None
    assert s.active_suppression("SF-CA-02", "Eca", NOW) is None  # expired
    assert s.active_suppression("SF-ORG-01", "00D", NOW) is not None  # no expiry


def test_username_patterns_match_case_insensitively() -> None:
    s = parse_settings({"integration_users": {"username_patterns": [r"^int-"]}})
    assert s.integration_users.matches_pattern("INT-marketo@acme.example.com")
    assert not s.integration_users.matches_pattern("mint-user@acme.example.com")


def test_load_settings_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"lookback_days": 7}), encoding="utf-8")
    assert load_settings(path).lookback_days == 7


def test_load_settings_refuses_missing_and_non_json_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read settings"):
        load_settings(tmp_path / "missing.json")
    path = tmp_path / "s.json"
    path.write_text("{lookback_days: 7}", encoding="utf-8")
    with pytest.raises(InputError, match=r"not JSON \(line 1, column 2"):
        load_settings(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.json"):
        load_settings(path)
