"""Connected apps and external client apps as the OAuth rules see them.

A ``ConnectedApplication`` record (SOQL) is the same app as the ``ConnectedApp`` metadata record
whose ``label`` equals its ``Name`` (else whose ``fullName`` does). An app known only from SOQL,
or whose metadata item is listed as unreadable (``metadata:ConnectedApp:<fullName>``), carries
the reason in ``unreadable`` so the rules that need its metadata report NOT_AVAILABLE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sfscan.domain.findings import Severity
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._values import as_text, nested

CONNECTED_APP = "metadata:ConnectedApp"
CONNECTED_APPLICATION = "sobject:ConnectedApplication"
ECA_POLICIES = "metadata:ExtlClntAppOauthConfigurablePolicies"
ECA_APPS = "metadata:ExternalClientApplication"

# ipRelaxation (connected apps) / ipRelaxationPolicyType (ECAs), case-folded -> FAILED severity.
_RELAXATION_SEVERITY: dict[str, Severity | None] = {
    "enforce": None,
    "bypass": Severity.HIGH,
    "bypass_2factor": Severity.MEDIUM,
    "enforce_relaxrefresh": Severity.MEDIUM,
}


@dataclass(frozen=True)
class Relaxation:
    value: str  # as read ("" when absent)
    known: bool  # one of the four documented values
    severity: Severity | None  # FAILED severity; None when enforced (or unknown)


def grade_relaxation(value: Any, absent_means_enforce: bool) -> Relaxation:
    text = as_text(value)
    if not text and absent_means_enforce:
        return Relaxation("", True, None)
    key = text.casefold()
    return Relaxation(text, key in _RELAXATION_SEVERITY, _RELAXATION_SEVERITY.get(key))


@dataclass
class ConnectedAppView:
    resource_id: str  # the metadata fullName when known, else the SOQL Name
    name: str  # the label a person recognises
    metadata: Record | None = None
    soql: Record | None = None
    unreadable: str | None = None  # why the metadata of this app could not be read

    @property
    def oauth_config(self) -> dict[str, Any] | None:
        config = nested(self.metadata, "oauthConfig")
        return config if isinstance(config, dict) else None


def _api_name(label: str) -> str:
    """The developer name Salesforce derives from a label ("Acme ETL" -> "Acme_ETL")."""
    return re.sub(r"\W+", "_", label).strip("_")


def connected_apps(snapshot: Snapshot) -> list[ConnectedAppView]:
    """Every connected app seen in metadata, in the unreadable list, or in SOQL."""
    views: dict[str, ConnectedAppView] = {}
    if snapshot.missing_reason(CONNECTED_APP) is None:
        for record in snapshot.records(CONNECTED_APP):
            full_name = as_text(record.get("fullName"))
            views[full_name] = ConnectedAppView(
                full_name, as_text(record.get("label")) or full_name, metadata=record
            )
    for full_name, reason in unreadable_items(snapshot, CONNECTED_APP).items():
        if full_name and full_name not in views:
            views[full_name] = ConnectedAppView(full_name, full_name, unreadable=reason)
    if snapshot.missing_reason(CONNECTED_APPLICATION) is None:
        for record in snapshot.records(CONNECTED_APPLICATION):
            name = as_text(record.get("Name"))
            view = _match(views, name)
            if view is None:
                views[name] = ConnectedAppView(
                    name, name, soql=record, unreadable="no readable ConnectedApp metadata"
                )
            elif view.soql is None:
                view.soql = record
    return list(views.values())


def _match(views: dict[str, ConnectedAppView], name: str) -> ConnectedAppView | None:
    for view in views.values():
        if view.metadata is not None and as_text(view.metadata.get("label")) == name:
            return view
    return views.get(name) or views.get(_api_name(name))


def eca_policy_id(policy: Record) -> str:
    """The external client app's developer name (the resource id)."""
    return as_text(policy.get("externalClientApplication")) or as_text(policy.get("fullName"))


def eca_labels(snapshot: Snapshot) -> dict[str, str]:
    """Developer name -> label, when ExternalClientApplication metadata was read."""
    if snapshot.missing_reason(ECA_APPS) is not None:
        return {}
    return {
        as_text(r.get("fullName")): as_text(r.get("label")) or as_text(r.get("fullName"))
        for r in snapshot.records(ECA_APPS)
    }


def unreadable_items(snapshot: Snapshot, metadata_key: str) -> dict[str, str]:
    """fullName -> reason for each unreadable item of a metadata type."""
    prefix = metadata_key + ":"
    return {k[len(prefix) :]: v for k, v in snapshot.unavailable.items() if k.startswith(prefix)}
