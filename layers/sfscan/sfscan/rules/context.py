"""EvaluationContext: everything a rule may look at, plus views computed once per scan.

The rules helper modules (integration-user identification, effective permissions, login
aggregation) hang their cached views off this object so eleven rules do the work once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Snapshot


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
    def now(self) -> datetime:
        """The evaluation time: the snapshot's captured_at, never the wall clock."""
        return self.snapshot.captured_at

    def note_incomplete(self, rule_id: str, reason: str) -> None:
        self.incomplete.setdefault(rule_id, reason)
