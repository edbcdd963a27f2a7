"""EvaluationContext: everything a rule may look at, plus views computed once per scan.

The rules helper modules (integration-user identification, effective permissions, login
aggregation) hang their cached views off this object so the rules do the work once. A view is
built on first use. The context records nothing: what a rule could not see it returns itself, as
the gaps of its RuleResult.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._identity import (
    ASSIGNMENT,
    LOGIN_HISTORY,
    PERMISSION_SET,
    PERMISSION_SET_GROUP,
    PROFILE,
    USER,
    IdentityView,
    ScopeView,
    identify,
    scope_of,
)
from sfscan.rules._logins import LoginView, aggregate_logins
from sfscan.rules._netutil import NetworkUnion
from sfscan.rules._permissions import EffectivePermissions
from sfscan.rules._values import id_key, nested, parse_time


@dataclass
class EvaluationContext:
    snapshot: Snapshot
    settings: Settings

    @property
    def org_id(self) -> str:
        return self.snapshot.org_id

    @property
    def org_name(self) -> str:
        return self.snapshot.org.Name or self.snapshot.org_id

    @property
    def now(self) -> datetime:
        """The evaluation time: the snapshot's captured_at, never the wall clock."""
        return self.snapshot.captured_at

    def optional_records(self, key: str) -> list[Record] | None:
        """Records under ``key``, or None when they were not read (never an empty stand-in)."""
        if self.snapshot.missing_reason(key) is not None:
            return None
        return self.snapshot.records(key)

    def missing_reason(self, key: str) -> str | None:
        return self.snapshot.missing_reason(key)

    # -- shared views, computed once per scan ------------------------------------------------

    @cached_property
    def permissions(self) -> EffectivePermissions:
        keys = (PROFILE, PERMISSION_SET, ASSIGNMENT, PERMISSION_SET_GROUP)
        return EffectivePermissions(
            self.optional_records(PROFILE) or [],
            self.optional_records(PERMISSION_SET) or [],
            self.optional_records(ASSIGNMENT) or [],
            self.optional_records(PERMISSION_SET_GROUP) or [],
            self.now,
            self.snapshot.missing(keys),
        )

    @cached_property
    def logins(self) -> LoginView | None:
        """Successful API/UI logins per user in the window; None when LoginHistory is missing."""
        rows = self.optional_records(LOGIN_HISTORY)
        if rows is None:
            return None
        collected_from = parse_time(
            nested(self.snapshot.collection, "login_history_window", "from")
        )
        return aggregate_logins(rows, self.now, self.settings.lookback_days, collected_from)

    def login_gaps(self) -> list[str]:
        """Why the login view cannot prove an absence of logins (a rule judging logins returns
        these as its gaps)."""
        logins = self.logins
        if logins is None:
            return [f"{LOGIN_HISTORY}: {self.missing_reason(LOGIN_HISTORY)}"]
        gaps = []
        if logins.undated_rows:
            gaps.append(f"{logins.undated_rows} login rows had no readable LoginTime")
        if logins.uncovered:
            gaps.append(logins.uncovered)
        if logins.unattributed_rows:
            gaps.append(f"{logins.unattributed_rows} login rows had no readable UserId")
        return gaps

    @cached_property
    def scope(self) -> ScopeView:
        """Users the rules judge and active users left out; empty when User was not read."""
        return scope_of(self.optional_records(USER) or [])

    def out_of_scope(self) -> tuple[dict[str, str], ...]:
        return self.scope.out_of_scope

    @cached_property
    def identity(self) -> IdentityView:
        return identify(
            self.snapshot,
            self.settings.integration_users,
            self.permissions,
            self.logins,
            self.scope,
        )

    @cached_property
    def ip_ranges_by_profile(self) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = {}
        for row in self.optional_records("sobject:LoginIpRange") or []:
            out.setdefault(id_key(row.get("ProfileId")), []).append(row)
        return out

    def ip_ranges_of(self, profile_id: str) -> list[Record]:
        """The Login IP Ranges of a profile, whichever id form (15/18 characters) names it."""
        return self.ip_ranges_by_profile.get(id_key(profile_id), [])

    @cached_property
    def allowed_networks(self) -> NetworkUnion:
        return NetworkUnion.of(self.settings.allowed_networks)
