"""The org snapshot (CONTROL.md "Org snapshot format"): what is collected and evaluated.

Records stay as the API returned them (flat dicts with the API's field names); the rules turn
them into typed views. What the snapshot guarantees is its envelope and the "not collected" /
"unavailable" distinction, which decides between a judgement and NOT_AVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from sfscan.domain.errors import InputError, describe_validation_errors
from sfscan.domain.jsonfile import load_json_file, require_object
from sfscan.domain.snapshot_checks import check_records

SCHEMA = "sfscan-snapshot/1"

Record = dict[str, Any]


class OrgInfo(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    Id: str = Field(min_length=15, max_length=18)
    Name: str = ""
    IsSandbox: bool = False
    InstanceName: str | None = None


class Snapshot(BaseModel):
    """An org at one moment. ``captured_at`` is the evaluation time for every rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["sfscan-snapshot/1"] = Field(alias="schema")
    captured_at: AwareDatetime
    org: OrgInfo
    sobjects: dict[str, list[Record]] = Field(default_factory=dict)
    tooling: dict[str, list[Record]] = Field(default_factory=dict)
    metadata: dict[str, list[Record]] = Field(default_factory=dict)
    unavailable: dict[str, str] = Field(default_factory=dict)
    # What the collector spent and saw (API calls, remaining daily requests, truncations).
    collection: dict[str, Any] = Field(default_factory=dict)
    # The settings it was collected with (look-back window, permission columns); an offline
    # scan uses them unless told otherwise, so it judges as the live scan did.
    settings: dict[str, Any] | None = None

    @property
    def org_id(self) -> str:
        return self.org.Id

    @property
    def evaluated_at(self) -> datetime:
        return self.captured_at

    # -- data access -------------------------------------------------------------------------

    def _section(self, key: str) -> tuple[dict[str, list[Record]], str]:
        kind, _, name = key.partition(":")
        sections = {"sobject": self.sobjects, "tooling": self.tooling, "metadata": self.metadata}
        if kind not in sections or not name:
            raise ValueError(f"data key must be '<sobject|tooling|metadata>:<Name>', got {key!r}")
        return sections[kind], name.partition(":")[0]

    def missing_reason(self, key: str) -> str | None:
        """Why the data under ``key`` cannot be used, or None when it was read.

        ``key`` is ``sobject:User``, ``tooling:SecurityHealthCheck`` or ``metadata:ConnectedApp``.
        Data that was never collected counts as missing, never as empty.
        """
        section, name = self._section(key)
        if key in self.unavailable:
            return self.unavailable[key]
        if name not in section:
            return "not collected"
        return None

    def missing(self, keys: Iterable[str]) -> dict[str, str]:
        """The subset of ``keys`` that cannot be used, with reasons."""
        out = {}
        for key in keys:
            reason = self.missing_reason(key)
            if reason is not None:
                out[key] = reason
        return out

    def records(self, key: str) -> list[Record]:
        """Records under ``key``; raises KeyError when they are missing (check first)."""
        section, name = self._section(key)
        if self.missing_reason(key) is not None:
            raise KeyError(key)
        return section[name]

    def item_unavailable(self, metadata_type: str, full_name: str) -> str | None:
        """Reason a single metadata item (``metadata:<Type>:<fullName>``) could not be read."""
        return self.unavailable.get(f"metadata:{metadata_type}:{full_name}")

    # -- (de)serialisation -------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", by_alias=True)
        if not data["collection"]:
            del data["collection"]
        if data["settings"] is None:
            del data["settings"]
        return data


def parse_snapshot(data: Any, source: str = "snapshot") -> Snapshot:
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            f"{source} is not a valid {SCHEMA} snapshot:\n"
            + describe_validation_errors(source, exc.errors())
        ) from None


def load_snapshot(path: str | Path) -> Snapshot:
    """A snapshot file (``sfscan scan --snapshot``): its envelope, then the records the rules
    read (snapshot_checks), so a hand-edited or damaged file is refused naming the JSON path."""
    p = Path(path)
    data = require_object(load_json_file(p, "snapshot"), str(p), "snapshot")
    snapshot = parse_snapshot(data, str(p))
    check_records(snapshot.sobjects, snapshot.metadata, str(p))
    return snapshot
