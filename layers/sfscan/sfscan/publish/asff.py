"""Findings as AWS Security Finding Format (ASFF) dicts for Security Hub BatchImportFindings.

Stability across scans is the point of this module. Security Hub decides create-or-update by
``Id``; a person's workflow status (NOTIFIED, SUPPRESSED) stays only while we keep sending the same
Id, and a finding only re-alerts people when Title, Description, Severity or Compliance change.
So nothing here puts a timestamp, a counter or a scan id into those fields; timestamps live in
CreatedAt/UpdatedAt/FirstObservedAt/LastObservedAt only.

Timestamp contract (aws-notes §1.6): CreatedAt/FirstObservedAt come from the store
(``tracked.first_seen``) and never change; UpdatedAt is the ``updated_at`` the caller passes and
must be strictly newer than the UpdatedAt of every earlier import of the same Id, or Security Hub
ignores the import. Callers pass "now" at publish time; timestamps are sent with millisecond
precision, so two imports of one finding must be at least 1 ms apart.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import sfscan
from sfscan.compliance import load_mapping
from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.domain.timestamps import utc_iso
from sfscan.store.evidence import bound_evidence

if TYPE_CHECKING:  # a type only: publish never loads the rules engine
    from sfscan.engine import ScanResult

SCHEMA_VERSION = "2018-10-08"
PROVIDER_NAME = "sfscan"
# A custom integration (the account's default product ARN) may set these; Security Hub's console
# then lists and filters the findings under this name instead of "Default" / "Personal".
PRODUCT_NAME = "sfscan Salesforce scanner"
COMPANY_NAME = "sfscan"
NOTE_AUTHOR = "sfscan"
MAX_NOTE_TEXT = 512  # Note.Text, Security Hub API reference
# Evidence in Details.Other: bounded like the table's (top entries by count, totals).
MAX_EVIDENCE_BYTES = 16 * 1024
# namespace/category/classifier: at most two slashes, namespace from the fixed ASFF list.
FINDING_TYPE = (
    "Software and Configuration Checks/Industry and Regulatory Standards/"
    "Salesforce Security Guidance"
)
CONTROL_NAME = "OAuth Access Policies - Enforce IP Restrictions"

MAX_ID = 512
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_RECOMMENDATION_TEXT = 512
MAX_OTHER_PAIRS = 50
MAX_OTHER_KEY = 127  # "key < 128 chars"
MAX_OTHER_VALUE = 1023  # "value < 1024 chars"
_ELLIPSIS = "..."

# Setup pages a person opens to fix a resource, relative to the org's instance URL.


def _provider_version() -> str:
    """The package version; read from the installed metadata when the package is imported as a
    namespace (an editable install made before ``sfscan/__init__.py`` existed)."""
    version = getattr(sfscan, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version("sfscan")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


PROVIDER_VERSION = _provider_version()
_ORG_SETUP_PAGES = {"SF-ORG-01": "/lightning/setup/SecuritySession/home"}
_CONNECTED_APPS_PAGE = "/lightning/setup/ConnectedApplication/home"


def asff_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds (Security Hub rounds to ms anyway).

    A naive datetime is taken to be UTC: the store and the engine only produce UTC times.
    """
    return utc_iso(moment, timespec="milliseconds")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with "..."."""
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def _bounded_id(raw: str, limit: int = MAX_ID) -> str:
    """Keep an identifier within ``limit`` chars; a long one becomes prefix + SHA-256 of the whole,
    so it stays unique and the same input always gives the same Id."""
    if len(raw) <= limit:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return f"{raw[: limit - len(digest) - 1]}/{digest}"


def finding_id(finding: Finding) -> str:
    """The stable ASFF Id of a finding: one per (org, rule, resource), the finding's key."""
    return _bounded_id(f"sfscan/{finding.org_id}/{finding.rule_id}/{finding.resource_id}")


def product_arn(*, partition: str, region: str, account_id: str) -> str:
    """The account's default product ARN: exists once Security Hub is enabled there."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _non_blank(text: str, fallback: str) -> str:
    return text if text.strip() else fallback


def compact_value(value: Any) -> str:
    """An evidence value as a short non-blank string for ``Details.Other``."""
    if isinstance(value, str) and value.strip():
        text = value
    else:
        # Insertion order: bounded evidence lists the most-used entries first.
        text = json.dumps(value, separators=(",", ":"), default=str)
    return truncate(text, MAX_OTHER_VALUE)


def _details_other(finding: Finding, org_name: str) -> dict[str, str]:
    evidence = bound_evidence(finding.evidence, MAX_EVIDENCE_BYTES, max_string=MAX_OTHER_VALUE)
    fixed = {
        "org_id": finding.org_id,
        "org_name": org_name,
        "resource_type": finding.resource_type,
        "resource_id": finding.resource_id,
        "resource_name": finding.resource_name,
    }
    # Blank strings are invalid anywhere in ASFF (pattern .*\S.*): leave such keys out.
    other = {key: truncate(value, MAX_OTHER_VALUE) for key, value in fixed.items() if value.strip()}
    evidence_keys = sorted(key for key in evidence if str(key).strip())
    room = MAX_OTHER_PAIRS - len(other)
    if len(evidence_keys) > room:
        # Keep one slot to say what was left out, so a reader knows the list is incomplete.
        kept, dropped = evidence_keys[: room - 1], evidence_keys[room - 1 :]
        other["evidence_omitted"] = truncate(",".join(dropped), MAX_OTHER_VALUE)
    else:
        kept = evidence_keys
    for key in kept:
        name = truncate(str(key), MAX_OTHER_KEY)
        if name in other:
            name = truncate(f"evidence_{key}", MAX_OTHER_KEY)
        other[name] = compact_value(evidence[key])
    return other


def _normalised_instance_url(instance_url: str | None) -> str | None:
    """``https://host`` or None: a link is only built from an https URL with a host."""
    if not instance_url:
        return None
    parts = urlsplit(instance_url.strip())
    if parts.scheme != "https" or not parts.netloc:
        return None
    return f"https://{parts.netloc}"


def source_url(finding: Finding, instance_url: str | None) -> str | None:
    """The Salesforce Setup page where a person fixes this resource, when we know one."""
    base = _normalised_instance_url(instance_url)
    if base is None:
        return None
    if finding.resource_type == "User":
        address = quote(f"/{finding.resource_id}?noredirect=1", safe="")
        return f"{base}/lightning/setup/ManageUsers/page?address={address}"
    if finding.resource_type == "ConnectedApp":
        return base + _CONNECTED_APPS_PAGE
    if finding.resource_type == "Org" and finding.rule_id in _ORG_SETUP_PAGES:
        return base + _ORG_SETUP_PAGES[finding.rule_id]
    return None


def finding_title(finding: Finding, org_name: str) -> str:
    """ "SF-NET-01 API logins from outside ...: etl@acme.example in Acme Corporation": the org's
    name tells findings of several orgs apart in one Security Hub list."""
    where = _one_line(org_name) or finding.org_id
    subject = _one_line(f"{finding.rule_id} {finding.title}: {finding.resource_name}")
    suffix = f" in {where}"
    if len(subject) + len(suffix) > MAX_TITLE:
        subject = truncate(subject, max(MAX_TITLE - len(suffix), MAX_TITLE // 2))
    return truncate(subject + suffix, MAX_TITLE)


def readable_resource_id(finding: Finding) -> str:
    """``salesforce:<org id>:User:etl@acme.example (005...)``: the name a person knows beside
    the Salesforce Id that stays the same when the user or app is renamed."""
    base = f"salesforce:{finding.org_id}:{finding.resource_type}:"
    name = _one_line(finding.resource_name)
    if name and name != finding.resource_id:
        return _bounded_id(f"{base}{name} ({finding.resource_id})")
    return _bounded_id(base + finding.resource_id)


def suppression_note(tracked: TrackedFinding) -> str:
    """Why the finding is suppressed (the suppression's reason and expiry), or that it ended."""
    finding = tracked.finding
    subject = f"{finding.rule_id} {finding.resource_name or finding.resource_id}"
    risk = tracked.accepted_risk
    if risk is None and finding.suppressed:
        risk = AcceptedRisk(reason="")
    if risk is None:
        text = (
            f"sfscan: the suppression of {subject} ended (it expired or was removed from the "
            "org's sfscan settings) and the violation is still open, so the workflow is NEW again."
        )
    else:
        reason = " ".join(risk.reason.split()) or "not recorded"
        until = f"until {asff_timestamp(risk.expires)}" if risk.expires else "with no expiry"
        text = (
            f"sfscan: {subject} is suppressed by the org's sfscan settings {until}. "
            f"Reason: {reason}"
        )
    return truncate(text, MAX_NOTE_TEXT)


def is_archived(tracked: TrackedFinding) -> bool:
    """The violation is over: the finding is hidden in Security Hub but stays searchable."""
    if tracked.open:
        return False
    return tracked.finding.status is Status.PASSED or tracked.transition is Transition.RESOLVED


def severity_label(finding: Finding) -> Severity:
    """Checks that passed or could not be judged are informational (AWS guidance)."""
    if finding.status in (Status.PASSED, Status.NOT_AVAILABLE):
        return Severity.INFORMATIONAL
    return finding.severity


def _compliance(tracked: TrackedFinding, archived: bool) -> dict[str, Any]:
    finding = tracked.finding
    compliance: dict[str, Any] = {
        "Status": finding.status.value,
        "RelatedRequirements": [CONTROL_NAME],
    }
    # The frameworks the rule supports (compliance/mapping.json), within ASFF's 32-item limit.
    mapping = load_mapping()
    compliance["RelatedRequirements"] += mapping.labelled(finding.rule_id)[:31]
    standards = mapping.standards_ids(finding.rule_id)
    if standards:
        compliance["AssociatedStandards"] = [{"StandardsId": s} for s in standards]
    if finding.status is Status.NOT_AVAILABLE:
        compliance["StatusReasons"] = [
            {
                "ReasonCode": "DATA_NOT_AVAILABLE",
                "Description": truncate(
                    _non_blank(finding.detail, "The data this rule needs could not be read."),
                    MAX_DESCRIPTION,
                ),
            }
        ]
    elif archived and finding.status is not Status.PASSED:
        # Resolved because the resource left the org (or left the rule's scope).
        compliance["StatusReasons"] = [
            {
                "ReasonCode": "RESOURCE_NO_LONGER_PRESENT",
                "Description": "The resource was not found by the last complete scan; "
                "the violation is resolved.",
            }
        ]
    return compliance


def _remediation(finding: Finding) -> dict[str, Any] | None:
    recommendation: dict[str, str] = {}
    if finding.remediation.text.strip():
        recommendation["Text"] = truncate(finding.remediation.text, MAX_RECOMMENDATION_TEXT)
    if finding.remediation.url.strip():
        recommendation["Url"] = finding.remediation.url.strip()
    if not recommendation:
        return None
    recommendation.setdefault("Text", "See the linked guidance.")
    return {"Recommendation": recommendation}


def build_asff_finding(
    tracked: TrackedFinding,
    *,
    account_id: str,
    region: str,
    partition: str = "aws",
    updated_at: datetime,
    org_name: str = "",
    instance_url: str | None = None,
) -> dict[str, Any]:
    """One stored finding as an ASFF dict (see the module docstring for the timestamp contract).

    Raises ValueError when ``updated_at`` is earlier than ``tracked.first_seen``.
    """
    finding = tracked.finding
    created_at = asff_timestamp(tracked.first_seen)
    updated = asff_timestamp(updated_at)
    if updated < created_at:  # same fixed-width UTC format, so string order is time order
        raise ValueError(
            f"UpdatedAt {updated} is earlier than CreatedAt {created_at} for {finding.key}; "
            "pass the publish time as updated_at"
        )
    archived = is_archived(tracked)
    label = severity_label(finding).value
    severity = {"Label": label, "Original": finding.severity.value}
    title = finding_title(finding, org_name)
    description = truncate(_non_blank(finding.detail, title), MAX_DESCRIPTION)
    asff: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(finding),
        "ProductArn": product_arn(partition=partition, region=region, account_id=account_id),
        "GeneratorId": _bounded_id(f"sfscan/{finding.rule_id}"),
        "AwsAccountId": account_id,
        "Types": [FINDING_TYPE],
        "CreatedAt": created_at,
        "FirstObservedAt": created_at,
        "LastObservedAt": asff_timestamp(tracked.last_seen),
        "UpdatedAt": updated,
        "Severity": dict(severity),
        "FindingProviderFields": {"Severity": dict(severity), "Types": [FINDING_TYPE]},
        "ProductName": PRODUCT_NAME,
        "CompanyName": COMPANY_NAME,
        "Title": title,
        "Description": description,
        "Compliance": _compliance(tracked, archived),
        "RecordState": "ARCHIVED" if archived else "ACTIVE",
        "Workflow": {"Status": "SUPPRESSED" if finding.suppressed else "NEW"},
        "ProductFields": {
            "ProviderName": PROVIDER_NAME,
            "ProviderVersion": PROVIDER_VERSION,
            "sfscan/rule_id": finding.rule_id,
            "sfscan/org_id": finding.org_id,
        },
        "Resources": [
            {
                "Type": "Other",
                "Id": readable_resource_id(finding),
                "Partition": partition,
                "Region": region,
                "Details": {"Other": _details_other(finding, org_name)},
            }
        ],
    }
    asff.update(_optional_fields(tracked, updated, instance_url))
    return asff


def _optional_fields(
    tracked: TrackedFinding, updated: str, instance_url: str | None
) -> dict[str, Any]:
    """Remediation, the suppression's Note and the Setup page, each when there is one."""
    finding = tracked.finding
    out: dict[str, Any] = {}
    remediation = _remediation(finding)
    if remediation is not None:
        out["Remediation"] = remediation
    if finding.suppressed:
        # Security Hub takes a Note on creation only (like Workflow); later suppression changes
        # go through BatchUpdateFindings (workflow.py) with the same text.
        note = suppression_note(tracked)
        out["Note"] = {"Text": note, "UpdatedBy": NOTE_AUTHOR, "UpdatedAt": updated}
    url = source_url(finding, instance_url)
    if url is not None:
        out["SourceUrl"] = url
    return out


def findings_to_asff(
    result: ScanResult,
    *,
    account_id: str,
    region: str,
    partition: str = "aws",
    now: datetime | None = None,
    instance_url: str | None = None,
) -> list[dict[str, Any]]:
    """A one-off scan's findings as ASFF (``sfscan scan --format asff``): no stored history, so
    each finding is first and last seen at the scan's evaluation time."""
    seen = result.evaluated_at
    out = []
    for finding in result.findings:
        failed = finding.status is Status.FAILED
        tracked = TrackedFinding(
            finding=finding,
            open=failed,
            first_seen=seen,
            last_seen=seen,
            status_changed_at=seen,
            transition=Transition.OPENED if failed else Transition.UNCHANGED,
            scan_id="local",
        )
        out.append(
            build_asff_finding(
                tracked,
                account_id=account_id,
                region=region,
                partition=partition,
                updated_at=now or seen,
                org_name=result.org_name,
                instance_url=instance_url,
            )
        )
    return out
