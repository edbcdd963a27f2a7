"""Builders for snapshots and their records, so tests read as given / when / then.

Every ``make_*`` returns a plain record dict with the field names of docs/snapshot-data.md;
keyword arguments override or add fields. ``make_snapshot`` fills every data key the rules know
with an empty list ("read, and there are none") unless the test passes records, marks a key
unavailable, or omits it ("not collected").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sfscan.domain.findings import Finding
from sfscan.domain.settings import Settings, parse_settings
from sfscan.domain.snapshot import Snapshot, parse_snapshot
from sfscan.domain.snapshot_checks import KEYED_SOBJECTS
from sfscan.engine import ScanResult, evaluate
from sfscan.rules.registry import RULES_BY_ID

# The record builders live with the simulator, shared with the generator (orgsim.generate).
from orgsim.records import (  # noqa: F401 - re-exported for the tests
    NOW,
    ago,
    iso,
    make_assignment,
    make_connected_app,
    make_connected_application,
    make_eca,
    make_eca_policy,
    make_ip_range,
    make_license,
    make_login,
    make_oauth_token,
    make_permission_set,
    make_permission_set_group,
    make_profile,
    make_profile_permission_set,
    make_security_settings,
    make_user,
    sf_id,
)

ORG_ID = "00D000000000001AAA"
ORG_NAME = "Acme"
INTEGRATION_PROFILE = "Minimum Access - API Only Integrations"

# Every sObject a snapshot holds: those joined by Id, then the two without one.
SOBJECT_KEYS = (*KEYED_SOBJECTS, "LoginHistory", "OauthToken")
TOOLING_KEYS = ("SecurityHealthCheck", "SecurityHealthCheckRisks")
METADATA_KEYS = (
    "ConnectedApp",
    "ExternalClientApplication",
    "ExtlClntAppOauthConfigurablePolicies",
    "SecuritySettings",
)
# The fields every finding carries (CONTROL.md), restated here so tests check the contract.
CONTROL_FINDING_FIELDS = frozenset(
    {
        "rule_id",
        "org_id",
        "resource_type",
        "resource_id",
        "resource_name",
        "status",
        "severity",
        "title",
        "detail",
        "evidence",
        "remediation",
        "suppressed",
    }
)

# Every data key a snapshot may hold (docs/snapshot-data.md).
KNOWN_DATA_KEYS = frozenset(
    [f"sobject:{k}" for k in SOBJECT_KEYS]
    + [f"tooling:{k}" for k in TOOLING_KEYS]
    + [f"metadata:{k}" for k in METADATA_KEYS]
)

# -- snapshot and settings -----------------------------------------------------------------------


def make_snapshot(
    *,
    sobjects: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    metadata: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    tooling: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    unavailable: Mapping[str, str] | None = None,
    omit: Iterable[str] = (),
    captured_at: datetime = NOW,
) -> Snapshot:
    """A snapshot where every known key is read (empty unless given), except ``omit`` keys
    (not collected) and ``unavailable`` keys (unreadable: listed, and left out of their section).
    """
    sections: dict[str, dict[str, list[dict[str, Any]]]] = {
        "sobject": {k: [] for k in SOBJECT_KEYS},
        "tooling": {k: [] for k in TOOLING_KEYS},
        "metadata": {k: [] for k in METADATA_KEYS},
    }
    for kind, given in (("sobject", sobjects), ("tooling", tooling), ("metadata", metadata)):
        for name, records in (given or {}).items():
            sections[kind][name] = [dict(r) for r in records]
    unavailable = dict(unavailable or {})
    for key in [*omit, *(k for k in unavailable if k.count(":") == 1)]:
        kind, _, name = key.partition(":")
        sections[kind].pop(name, None)
    return parse_snapshot(
        {
            "schema": "sfscan-snapshot/1",
            "captured_at": iso(captured_at),
            "org": {"Id": ORG_ID, "Name": ORG_NAME, "IsSandbox": False},
            "sobjects": sections["sobject"],
            "tooling": sections["tooling"],
            "metadata": sections["metadata"],
            "unavailable": unavailable,
        }
    )


def make_settings(**values: Any) -> Settings:
    return parse_settings(values)


class OrgBuilder:
    """An org under construction: licences, profiles and users wired together.

    ``org.integration_user("etl@acme.com")`` gives a user identified by the ``profile`` reason
    (the default integration profile, API Only by default); ``org.person(...)`` a normal user.
    """

    def __init__(self) -> None:
        self.salesforce_license = make_license("Salesforce")
        self.integration_license = make_license("Salesforce Integration")
        self.standard_profile = make_profile("Standard User", license=self.salesforce_license)
        self.integration_profile = make_profile(
            INTEGRATION_PROFILE, license=self.integration_license, api_only=True
        )
        self.sobjects: dict[str, list[dict[str, Any]]] = {
            "UserLicense": [self.salesforce_license, self.integration_license],
            "Profile": [self.standard_profile, self.integration_profile],
        }
        self.metadata: dict[str, list[dict[str, Any]]] = {}

    def add(self, key: str, *records: dict[str, Any]) -> OrgBuilder:
        """Add records under a sobject name ("User") or "metadata:<Type>"."""
        if key.startswith("metadata:"):
            self.metadata.setdefault(key.partition(":")[2], []).extend(records)
        else:
            self.sobjects.setdefault(key, []).extend(records)
        return self

    def profile(self, name: str, *, api_only: bool = False, **fields: Any) -> dict[str, Any]:
        profile = make_profile(name, license=self.salesforce_license, api_only=api_only, **fields)
        self.add("Profile", profile)
        return profile

    def user(self, username: str, profile: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
        user = make_user(username, profile, **fields)
        self.add("User", user)
        return user

    def integration_user(self, username: str = "etl@acme.com", **fields: Any) -> dict[str, Any]:
        return self.user(username, self.integration_profile, **fields)

    def person(self, username: str = "alice@acme.com", **fields: Any) -> dict[str, Any]:
        return self.user(username, self.standard_profile, **fields)

    def snapshot(self, **kwargs: Any) -> Snapshot:
        sobjects = {**self.sobjects, **kwargs.pop("sobjects", {})}
        metadata = {**self.metadata, **kwargs.pop("metadata", {})}
        return make_snapshot(sobjects=sobjects, metadata=metadata, **kwargs)


def run_rule(rule_id: str, snapshot: Snapshot, settings: Settings | None = None) -> ScanResult:
    """Evaluate one rule through the engine (needs check, suppressions, incomplete marks)."""
    return evaluate(snapshot, settings or Settings(), rules=[RULES_BY_ID[rule_id]])


def by_resource(result: ScanResult) -> dict[str, Finding]:
    """The result's findings keyed by resource id (one finding per resource per rule)."""
    out = {f.resource_id: f for f in result.findings}
    assert len(out) == len(result.findings), "two findings share a resource id"
    return out
