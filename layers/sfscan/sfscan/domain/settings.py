"""Per-org settings (CONTROL.md "Settings"), validated once; nothing runs on half a config."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal

import re2
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from sfscan.domain.errors import InputError, describe_validation_errors
from sfscan.domain.jsonfile import load_json_file, require_object
from sfscan.domain.rule_ids import RULE_IDS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

DEFAULT_INTEGRATION_PROFILES = (
    "Minimum Access - API Only Integrations",
    "Salesforce API Only System Integrations",
)
DEFAULT_EXCESSIVE_PERMISSIONS = (
    "ModifyAllData",
    "ViewAllData",
    "ManageUsers",
    "AuthorApex",
    "CustomizeApplication",
)


@functools.lru_cache(maxsize=256)
def _linear_pattern(pattern: str) -> Any:
    """A case-insensitive RE2 pattern: matching time is linear in the username, whatever the
    pattern (settings are written by whoever edits the org's settings: ``(a+)+$`` must not hang
    the scan). Raises ``re2.error`` for what RE2 cannot run (backreferences, lookarounds)."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the refusal is reported once, as a settings error
    return re2.compile(pattern, options)


def _expiry(value: Any) -> Any:
    """``"2027-03-31"`` is the end of that day in UTC; a date-time needs its zone."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date (2027-03-31) or a date-time with a zone")
    text = value.strip()
    if _DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
        return datetime.combine(day, time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date (2027-03-31) or a date-time with a zone "
            "(2027-03-31T17:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; add Z or an offset such as +02:00")
    return moment


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegrationUserSettings(_Strict):
    usernames: tuple[str, ...] = ()
    username_patterns: tuple[str, ...] = ()
    profiles: tuple[str, ...] = DEFAULT_INTEGRATION_PROFILES
    permission_sets: tuple[str, ...] = ()
    exclude_usernames: tuple[str, ...] = ()
    detect_by_behavior: bool = True

    @field_validator("username_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(value):
            try:
                _linear_pattern(pattern)
            except re2.error as exc:
                reason = (
                    exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
                )
                raise ValueError(
                    f"item {i}: {pattern!r} is not a regular expression sfscan can run in "
                    f"linear time ({reason}); use RE2 syntax: no backreferences (\\1) and "
                    "no lookarounds ((?=...), (?!...), (?<=...))"
                ) from None
        return value

    def matches_pattern(self, username: str) -> bool:
        return any(_linear_pattern(p).search(username) for p in self.username_patterns)


class Suppression(_Strict):
    rule_id: str
    resource_id: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    # A date means the end of that day in UTC (as in Trivy's ignore file); see _expiry.
    expires: AwareDatetime | None = None

    @field_validator("expires", mode="before")
    @classmethod
    def _expires_as_date_or_datetime(cls, value: Any) -> Any:
        return None if value is None else _expiry(value)

    @field_validator("rule_id")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value not in RULE_IDS:
            raise ValueError(f"unknown rule id {value!r}; known ids: {', '.join(RULE_IDS)}")
        return value

    def active_at(self, when: datetime) -> bool:
        return self.expires is None or self.expires > when


class Settings(_Strict):
    allowed_networks: tuple[Network, ...] = ()
    lookback_days: int = Field(default=30, ge=1, le=180, strict=True)
    outside_login_scope: Literal["integration", "all"] = "integration"
    integration_users: IntegrationUserSettings = IntegrationUserSettings()
    excessive_permissions: tuple[str, ...] = DEFAULT_EXCESSIVE_PERMISSIONS
    suppressions: tuple[Suppression, ...] = ()

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of CIDR strings")
        nets = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ValueError(f"item {i}: must be a CIDR string such as '203.0.113.0/24'")
            try:
                nets.append(ipaddress.ip_network(item.strip(), strict=True))
            except ValueError as exc:
                hint = ""
                with contextlib.suppress(ValueError):
                    hint = f" (did you mean {ipaddress.ip_network(item.strip(), strict=False)}?)"
                raise ValueError(f"item {i}: {item!r} is not a valid CIDR: {exc}{hint}") from None
        return tuple(nets)

    @field_validator("excessive_permissions")
    @classmethod
    def _permission_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, name in enumerate(value):
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name.startswith("Permissions"):
                raise ValueError(
                    f"item {i}: {name!r} must be a permission name without the 'Permissions' "
                    "prefix, e.g. 'ModifyAllData'"
                )
        return value

    def active_suppression(
        self, rule_id: str, resource_id: str, when: datetime
    ) -> Suppression | None:
        for s in self.suppressions:
            if s.rule_id == rule_id and s.resource_id == resource_id and s.active_at(when):
                return s
        return None

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["allowed_networks"] = [str(n) for n in self.allowed_networks]
        return data


def parse_settings(data: Any, source: str = "settings") -> Settings:
    if data is None:
        return Settings()
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            "invalid settings, nothing was scanned:\n"
            + describe_validation_errors(source, exc.errors())
        ) from None


def load_settings(path: str | Path) -> Settings:
    """A settings file: a JSON object (``{}`` for the defaults); anything else is refused."""
    p = Path(path)
    data = require_object(load_json_file(p, "settings"), str(p), "settings")
    return parse_settings(data, str(p))
