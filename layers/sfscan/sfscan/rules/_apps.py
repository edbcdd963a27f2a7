"""Connected apps and external client apps as the OAuth rules see them.

A ``ConnectedApplication`` record (SOQL) is the same app as the ``ConnectedApp`` metadata record
whose ``label`` equals its ``Name`` (else whose ``fullName`` does, with or without a managed
package's ``namespace__`` prefix, or is the developer name Salesforce derives from the Name). An
app known only from SOQL, or whose metadata item is listed as unreadable
(``metadata:ConnectedApp:<fullName>``), carries the reason in ``unreadable`` so the rules that
need its metadata report NOT_AVAILABLE.

Resource ids never depend on which source was readable: an app is named by its metadata
``fullName``; an app only SOQL lists is named by the developer name derived from its ``Name``
(``Legacy ETL`` -> ``Legacy_ETL``), which is the fullName Salesforce gives an app it creates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sfscan.domain.findings import Severity, Status
from sfscan.domain.snapshot import Record, Snapshot
from sfscan.rules._values import as_bool, as_text, nested

CONNECTED_APP = "metadata:ConnectedApp"
CONNECTED_APPLICATION = "sobject:ConnectedApplication"
ECA_POLICIES = "metadata:ExtlClntAppOauthConfigurablePolicies"
ECA_APPS = "metadata:ExternalClientApplication"
# Suffix of an ECA OAuth policy's fullName after the app's developer name ("App_oauthPlcy").
ECA_POLICY_SUFFIX = "_oauthPlcy"

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


def grade_relaxation(value: Any) -> Relaxation:
    """The relaxation value graded; absent ("") or of another shape, it is not ``known``."""
    if value is not None and not isinstance(value, str):
        return Relaxation(repr(value), False, None)  # an unexpected shape is not "absent"
    text = as_text(value)
    key = text.casefold()
    return Relaxation(text, key in _RELAXATION_SEVERITY, _RELAXATION_SEVERITY.get(key))


def judge_known_relaxation(
    kind: str, name: str, relax: Relaxation
) -> tuple[Status, Severity | None, str]:
    """Status, FAILED severity and detail for a readable relaxation value (``relax.known``).

    ``kind`` is how a person names the app: "Connected app" or "External client app".
    """
    if relax.severity is None:
        return Status.PASSED, None, f"{kind} {name} enforces IP restrictions."
    return (
        Status.FAILED,
        relax.severity,
        f"{kind} {name} relaxes IP restrictions ({relax.value}): set its IP Relaxation policy "
        "to 'Enforce IP restrictions'.",
    )


@dataclass
class ConnectedAppView:
    resource_id: str  # the metadata fullName when known, else the SOQL Name
    name: str  # the label a person recognises
    metadata: Record | None = None
    soql: Record | None = None
    unreadable: str | None = None  # why the metadata of this app could not be read
    # Several SOQL rows share this app's name and disagree: none of them can be its own.
    ambiguous_soql: bool = False
    soql_only: bool = False  # known only from a ConnectedApplication row

    @property
    def oauth_config(self) -> dict[str, Any] | None:
        """The app's oauthConfig; None only when absent (not OAuth-enabled). A present value of
        another shape (an empty element read as "") still means OAuth is enabled."""
        config = nested(self.metadata, "oauthConfig")
        if config is None:
            return None
        return config if isinstance(config, dict) else {}


def api_name(label: str) -> str:
    """The developer name Salesforce derives from a label ("Acme ETL" -> "Acme_ETL")."""
    return re.sub(r"\W+", "_", label).strip("_")


def without_namespace(full_name: str) -> str:
    """ "dsfs__DocuSign_eSignature" -> "DocuSign_eSignature" (a managed package's prefix)."""
    prefix, sep, rest = full_name.partition("__")
    return rest if sep and prefix and rest and not rest.endswith("__") else full_name


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
        by_name: dict[str, list[Record]] = {}
        for record in snapshot.records(CONNECTED_APPLICATION):
            by_name.setdefault(as_text(record.get("Name")), []).append(record)
        for name, rows in by_name.items():
            _join_soql(views, name, rows)
    return list(views.values())


def _join_soql(views: dict[str, ConnectedAppView], name: str, rows: list[Record]) -> None:
    """Attach the SOQL rows named ``name`` to their metadata apps.

    Labels are not unique: when several rows or several apps share the name, a row can only be
    attributed if every row says the same; each row without an app is an app of its own whose
    metadata could not be read (never silently dropped).
    """
    matched = _matches(views, name)
    values = {as_bool(row.get("OptionsAllowAdminApprovedUsersOnly")) for row in rows}
    # One value for all of them, and a row for each app: then it is every app's value.
    agreed = rows[0] if len(values) == 1 and len(rows) >= len(matched) else None
    for view in matched:
        if view.metadata is None:
            view.name = name  # the label a person knows, not the fullName of an unread item
        if view.soql is not None:
            continue
        if len(rows) == 1 and len(matched) == 1:
            view.soql = rows[0]
        elif agreed is not None:
            view.soql = agreed
        else:
            view.ambiguous_soql = True
    ordered = sorted(rows, key=lambda r: as_text(r.get("Id")))
    for row in ordered[len(matched) :]:
        key = api_name(name) or name
        key = key if key not in views else f"{key} ({as_text(row.get('Id'))})"
        views[key] = ConnectedAppView(
            key,
            name,
            soql=row if len(matched) == 0 or agreed is not None else None,
            unreadable="no readable ConnectedApp metadata",
            ambiguous_soql=len(matched) > 0 and agreed is None,
            soql_only=True,
        )


def _matches(all_views: dict[str, ConnectedAppView], name: str) -> list[ConnectedAppView]:
    views = {key: view for key, view in all_views.items() if not view.soql_only}
    by_label = [
        view
        for view in views.values()
        if view.metadata is not None and as_text(view.metadata.get("label")) == name
    ]
    if by_label:
        return by_label
    view = views.get(name) or views.get(api_name(name))
    if view is not None:
        return [view]
    unprefixed = [v for key, v in views.items() if without_namespace(key) == api_name(name)]
    return unprefixed if len(unprefixed) == 1 else []


def eca_policy_id(policy: Record) -> str:
    """The external client app's developer name (the resource id)."""
    return as_text(policy.get("externalClientApplication")) or eca_name_of_policy(
        as_text(policy.get("fullName"))
    )


def eca_name_of_policy(full_name: str) -> str:
    """The app developer name in a policy fullName ("App_oauthPlcy" -> "App"), so a policy
    that is unreadable or lacks externalClientApplication keeps its app's resource id."""
    if full_name.endswith(ECA_POLICY_SUFFIX) and len(full_name) > len(ECA_POLICY_SUFFIX):
        return full_name[: -len(ECA_POLICY_SUFFIX)]
    return full_name


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
