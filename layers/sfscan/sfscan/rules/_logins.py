"""Login-history aggregation: successful API and UI logins per user inside the look-back window.

LoginHistory rows are raw (one login each) or aggregated by the collector (``count`` logins,
``LoginTime`` = the group's latest). ``LoginType`` comes back as a label ("Remote Access 2.0") or
an API name ("Oauth2"); both are accepted, case-insensitively. Only ``Status == 'Success'`` counts.
A successful login of a type not listed here is UNKNOWN: it is kept apart (SF-IU-04 warns about
it, naming the type) and counts neither as an API nor as a UI login.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sfscan.domain.snapshot import Record
from sfscan.domain.timestamps import utc_iso as iso
from sfscan.rules._values import as_text, id_key, parse_time, record_id_key


class LoginKind(StrEnum):
    API = "API"
    UI = "UI"
    UNKNOWN = "UNKNOWN"


# (label, API name) of each documented LoginType value sfscan classifies (CONTROL.md).
API_LOGIN_TYPES = (
    ("Remote Access 2.0", "Oauth2"),
    ("Remote Access Client", "Oauth"),
    ("Other Apex API", "OtherApi"),
    ("Partner Product", "Partner"),
    ("Networks Portal API Only", "NetworksPortalApiOnly"),
)
UI_LOGIN_TYPES = (
    ("Application", "Application"),
    ("SAML Idp Initiated SSO", "Saml"),
    ("SAML Sfdc Initiated SSO", "Saml2"),
    ("Lightning Login", "LightningLogin"),
    ("Passwordless Login", "PasswordlessLogin"),
    ("Passwordless Login via Passkeys", "PasswordlessPasskeyLogin"),
    ("Third Party SSO", "ThirdPartySso"),
    ("Employee Login to Community", "EmployeeLoginToCommunity"),
    ("Help And Training", "HelpAndTraining"),
    ("Offline Client", "IeOfflineClient"),
    # Certificate-based authentication serves interactive users and mobile (MDM) logins.
    ("Certificate-based login", "Certificate"),
)
_KIND_BY_NAME: dict[str, LoginKind] = {
    name.casefold(): kind
    for kind, pairs in ((LoginKind.API, API_LOGIN_TYPES), (LoginKind.UI, UI_LOGIN_TYPES))
    for pair in pairs
    for name in pair
}


def classify_login_type(login_type: Any) -> LoginKind:
    """API, UI or UNKNOWN for a LoginType label or API name."""
    return _KIND_BY_NAME.get(as_text(login_type).casefold(), LoginKind.UNKNOWN)


@dataclass
class Usage:
    """Successful logins of one kind (an IP, or a login type) for one user."""

    count: int = 0
    last: datetime | None = None
    source_ips: set[str] = field(default_factory=set)

    def add(self, count: int, when: datetime, source_ip: str) -> None:
        self.count += count
        self.last = when if self.last is None or when > self.last else self.last
        if source_ip:
            self.source_ips.add(source_ip)

    def evidence(self) -> dict[str, Any]:
        return {"count": self.count, "last_login": iso(self.last) if self.last else None}


@dataclass
class UserLogins:
    """One user's successful logins inside the window."""

    api_by_ip: dict[str, Usage] = field(default_factory=dict)  # SourceIp ("" if absent) -> usage
    ui_by_type: dict[str, Usage] = field(default_factory=dict)  # LoginType as reported -> usage
    # Successful logins of a LoginType sfscan does not know ("" when absent) -> usage.
    unknown_by_type: dict[str, Usage] = field(default_factory=dict)
    undated_rows: int = 0  # rows whose LoginTime could not be read
    unreadable_status_rows: int = 0  # rows whose Status is not text: maybe a successful login

    @property
    def unplaceable_rows(self) -> int:
        """Rows that may be a successful login in the window but cannot be told."""
        return self.undated_rows + self.unreadable_status_rows

    @property
    def api_count(self) -> int:
        return sum(u.count for u in self.api_by_ip.values())

    @property
    def ui_count(self) -> int:
        return sum(u.count for u in self.ui_by_type.values())

    def ui_evidence(self) -> list[dict[str, Any]]:
        return [
            {"login_type": kind, **usage.evidence(), "source_ips": sorted(usage.source_ips)}
            for kind, usage in sorted(self.ui_by_type.items())
        ]

    def unknown_evidence(self) -> list[dict[str, Any]]:
        return [
            {"login_type": kind or None, **usage.evidence(), "source_ips": sorted(usage.source_ips)}
            for kind, usage in sorted(self.unknown_by_type.items())
        ]


@dataclass(frozen=True)
class LoginView:
    by_user: dict[str, UserLogins]
    window_start: datetime
    window_end: datetime
    undated_rows: int  # successful API/UI rows the window test could not place
    # Why the rows cannot cover the whole window (the collector read a shorter one), else None:
    # an absent login then proves nothing, so the rules must not pass on it.
    uncovered: str | None = None
    # Rows that may be successful logins but name no readable UserId: they may be anyone's.
    unattributed_rows: int = 0

    def of(self, user_id: str) -> UserLogins:
        return self.by_user.get(id_key(user_id)) or UserLogins()

    def window_evidence(self) -> dict[str, str]:
        return {"from": iso(self.window_start), "to": iso(self.window_end)}


def _row_count(row: Record) -> int:
    count = row.get("count")
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count.strip())
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return 1  # a raw row, or an unreadable count: at least the one login the row records


def aggregate_logins(
    rows: Iterable[Record],
    now: datetime,
    lookback_days: int,
    collected_from: datetime | None = None,
) -> LoginView:
    """Successful API/UI logins per user with ``now - lookback < LoginTime <= now``.

    ``collected_from`` is the start of the window the collector read (snapshot ``collection``),
    when known; a later start than the rules' window means older logins were never read.
    """
    start = now - timedelta(days=lookback_days)
    uncovered = None
    if collected_from is not None and collected_from > start:
        uncovered = (
            f"LoginHistory was collected only from {iso(collected_from)}, not from {iso(start)} "
            f"({lookback_days} days); collect again with lookback_days={lookback_days}"
        )
    by_user: dict[str, UserLogins] = {}
    undated = unattributed = 0
    for row in rows:
        status = as_text(row.get("Status")).casefold()
        if status and status != "success":
            continue  # a failed or refused login
        kind = classify_login_type(row.get("LoginType"))
        user_id = record_id_key(row.get("UserId"))
        if not user_id:
            unattributed += 1
            continue
        logins = by_user.setdefault(user_id, UserLogins())
        if not status:
            logins.unreadable_status_rows += 1
            continue
        when = parse_time(row.get("LoginTime"))
        if when is None:
            logins.undated_rows += 1
            undated += 1
            continue
        if not (start < when <= now):
            continue
        source_ip = as_text(row.get("SourceIp"))
        if kind is LoginKind.API:
            logins.api_by_ip.setdefault(source_ip, Usage()).add(_row_count(row), when, source_ip)
        else:
            by_type = logins.ui_by_type if kind is LoginKind.UI else logins.unknown_by_type
            login_type = as_text(row.get("LoginType"))
            by_type.setdefault(login_type, Usage()).add(_row_count(row), when, source_ip)
    return LoginView(by_user, start, now, undated, uncovered, unattributed)
