"""EvaluationContext: everything a rule may look at, plus views computed once per scan.

The rules helper modules (integration-user identification, effective permissions, login
aggregation) hang their cached views off this object so eleven rules do the work once. A view is
built on first use, by a rule whose ``needs`` guarantee the records it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._identity import LOGIN_HISTORY, PERMISSION_SET_GROUP, IdentityView, identify
from sfscan.rules._logins import LoginView, aggregate_logins
from sfscan.rules._netutil import NetworkUnion
from sfscan.rules._permissions import EffectivePermissions
from sfscan.rules._values import id_key, nested, parse_time


@dataclass
class EvaluationContext:
    snapshot: Snapshot
    settings: Settings
    # rule id -> why the rule could not see every resource it judges. The findings store never
    # resolves an earlier finding of such a rule just because its resource is absent this time.
    incomplete: dict[str, str] = field(default_factory=dict)

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

    def note_incomplete(self, rule_id: str, reason: str) -> None:
        self.incomplete.setdefault(rule_id, reason)

    def optional_records(self, key: str) -> list[Record] | None:
        """Records under ``key``, or None when they were not read (never an empty stand-in)."""
        if self.snapshot.missing_reason(key) is not None:
            return None
        return self.snapshot.records(key)

    # -- shared views, computed once per scan ------------------------------------------------

    @cached_property
    def permissions(self) -> EffectivePermissions:
        return EffectivePermissions(
            self.snapshot.records("sobject:Profile"),
            self.snapshot.records("sobject:PermissionSet"),
            self.snapshot.records("sobject:PermissionSetAssignment"),
            self.optional_records(PERMISSION_SET_GROUP) or [],
            self.now,
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

    @cached_property
    def identity(self) -> IdentityView:
        return identify(
            self.snapshot, self.settings.integration_users, self.permissions, self.logins
        )

    @cached_property
    def ip_ranges_by_profile(self) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = {}
        for row in self.snapshot.records("sobject:LoginIpRange"):
            out.setdefault(id_key(row.get("ProfileId")), []).append(row)
        return out

    def ip_ranges_of(self, profile_id: str) -> list[Record]:
        """The Login IP Ranges of a profile, whichever id form (15/18 characters) names it."""
        return self.ip_ranges_by_profile.get(id_key(profile_id), [])

    @cached_property
    def allowed_networks(self) -> NetworkUnion:
        return NetworkUnion.of(self.settings.allowed_networks)

    def note_identity_gaps(self, rule_id: str) -> None:
        """Mark ``rule_id`` incomplete when some integration users may have gone unidentified."""
        if self.identity.gaps:
            self.note_incomplete(
                rule_id, "integration users identified with gaps: " + "; ".join(self.identity.gaps)
            )

    def logins_for(self, rule_id: str) -> LoginView | None:
        """The login view for a rule that judges logins, marking the rule incomplete when some
        rows could not be placed in the window or the window was not fully collected."""
        logins = self.logins
        if logins is not None and logins.undated_rows:
            self.note_incomplete(
                rule_id, f"{logins.undated_rows} login rows had no readable LoginTime"
            )
        if logins is not None and logins.uncovered:
            self.note_incomplete(rule_id, logins.uncovered)
        return logins
