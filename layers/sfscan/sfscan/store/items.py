"""The table's item layout (single table, string keys ``pk``/``sk``). Pure codecs; no I/O.

- finding: pk ``ORG#<org name>``, sk ``FINDING#<rule id>#<resource id>``; stable across scans.
- scan summary: pk ``ORG#<org name>``, sk ``SCAN#<scan id>``; history, TTL ``expires_at``.
- latest scan: pk ``LATEST``, sk ``ORG#<org name>``; what ``sfscan org list`` reads.
- claim: pk ``ORG#<org name>``, sk ``CLAIM``; the newest scan id that took the org. Every
  finding write checks it in the same transaction, so a stale scan changes nothing.

Scan records stay under 1 KB (1 write unit) for an org like the demo's: the rules a gap made
incomplete are stored grouped by reason (``incomplete_by_reason``: reason -> set of rule ids), since
one unreadable source usually makes several rules incomplete for the same reason. Records written
before that (``incomplete_rules``: rule id -> reason) are still read.

``<org name>`` is the registered name (the secret name without the prefix): a scan that fails
before the org id is known (bad secret, auth refused) still has a place to record its error.
Scan ids sort by time, so an org's history reads in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sfscan.domain.findings import Finding
from sfscan.domain.lifecycle import AcceptedRisk, TrackedFinding, Transition
from sfscan.domain.timestamps import parse_iso as parse_iso  # re-exported: the store's readers
from sfscan.domain.timestamps import utc_iso as iso
from sfscan.store.evidence import bound_evidence

ORG_PREFIX = "ORG#"
FINDING_PREFIX = "FINDING#"
SCAN_PREFIX = "SCAN#"
LATEST_PK = "LATEST"
CLAIM_SK = "CLAIM"  # pk ORG#<name>: the newest scan that took the org (scan ordering)
ITEM_FINDING = "finding"
ITEM_SCAN = "scan"
ITEM_LATEST = "latest"
TTL_ATTRIBUTE = "expires_at"
DEFAULT_HISTORY_DAYS = 400

# The key schema template.yaml declares; a template test keeps the two equal.
KEY_SCHEMA = (
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
)
ATTRIBUTE_DEFINITIONS = (
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "S"},
)

Item = dict[str, Any]


def org_pk(org_name: str) -> str:
    return ORG_PREFIX + org_name


def finding_sk(rule_id: str, resource_id: str) -> str:
    return f"{FINDING_PREFIX}{rule_id}#{resource_id}"


def scan_sk(scan_id: str) -> str:
    return SCAN_PREFIX + scan_id


# A finding item stays under 1 KB, so each write costs 1 WCU (issue: DynamoDB cost). Per-rule
# static text (title, remediation) is not stored: it is read back from the rule registry.
MAX_ITEM_BYTES = 1000
MIN_EVIDENCE_BYTES = 120  # even a long detail leaves room for the evidence's totals


def _compact_finding(f: Finding) -> dict[str, Any]:
    """The finding's own fields, without what the item's keys or the rule registry hold."""
    data: dict[str, Any] = {
        "org_id": f.org_id,
        "resource_type": f.resource_type,
        "resource_name": f.resource_name,
        "status": f.status.value,
        "severity": f.severity.value,
        "detail": f.detail,
        "suppressed": f.suppressed,
    }
    meta = _rule_meta(f.rule_id)
    if meta is None or f.title != meta.title:
        data["title"] = f.title
    if meta is None or f.remediation != meta.remediation:
        data["remediation"] = {"text": f.remediation.text, "url": f.remediation.url}
    return data


def _rule_meta(rule_id: str) -> Any:
    from sfscan.rules.registry import RULES_BY_ID  # the rules are only needed to read items

    rule = RULES_BY_ID.get(rule_id)
    return rule.meta if rule is not None else None


def _dumps(value: Any) -> str:
    # Insertion order is kept: bounded evidence lists the most-used entries first.
    return json.dumps(value, separators=(",", ":"), default=str)


def tracked_to_item(org_name: str, tracked: TrackedFinding) -> Item:
    """The finding's item; its evidence is bounded so the whole item stays within
    MAX_ITEM_BYTES (sfscan.store.evidence: top entries by count, totals, "+N more")."""
    f = tracked.finding
    item: Item = {
        "pk": org_pk(org_name),
        "sk": finding_sk(f.rule_id, f.resource_id),
        "item_type": ITEM_FINDING,
        "open": tracked.open,
        "first_seen": iso(tracked.first_seen),
        "last_seen": iso(tracked.last_seen),
        "status_changed_at": iso(tracked.status_changed_at),
        "transition": tracked.transition.value,
        "scan_id": tracked.scan_id,
    }
    if tracked.resolved_at is not None:
        item["resolved_at"] = iso(tracked.resolved_at)
    if tracked.accepted_risk is not None:
        risk = tracked.accepted_risk
        item["accepted_risk"] = {
            "reason": risk.reason,
            "expires": iso(risk.expires) if risk.expires else "",
        }
    if tracked.suppression_changed:
        item["suppression_changed"] = True
    compact = _compact_finding(f)
    # JSON keeps evidence exactly as the rule wrote it (DynamoDB would turn floats into
    # Decimals and refuse empty sets).
    base = item_bytes({**item, "finding": _dumps({**compact, "evidence": {}})})
    budget = max(MAX_ITEM_BYTES - base, MIN_EVIDENCE_BYTES)
    compact["evidence"] = bound_evidence(f.evidence, budget)
    item["finding"] = _dumps(compact)
    return item


def item_bytes(item: Item) -> int:
    """DynamoDB's size of an item of strings, numbers, booleans and flat maps (what we write)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode("utf-8"))
        if isinstance(value, dict):
            total += 3 + sum(
                len(str(k).encode()) + len(str(v).encode()) + 1 for k, v in value.items()
            )
        else:
            total += len(str(value).encode("utf-8"))
    return total


def _accepted_risk(item: Item, finding: Finding) -> AcceptedRisk | None:
    stored = item.get("accepted_risk")
    if isinstance(stored, dict):
        expires = stored.get("expires")
        return AcceptedRisk(reason=str(stored.get("reason", "")), expires=_opt_time(expires))
    if "accepted_risk" not in item and finding.suppressed:
        # Written before accepted risks were stored: the finding's own flag says it was covered,
        # so the next scan does not take it for a new suppression and override a person's work.
        return AcceptedRisk(reason="")
    return None


def _finding_from_item(item: Item) -> Finding:
    """The stored finding; items written before static text left the table still carry it."""
    data = json.loads(item["finding"])
    rule_id, _, resource_id = str(item["sk"])[len(FINDING_PREFIX) :].partition("#")
    data.setdefault("rule_id", rule_id)
    data.setdefault("resource_id", resource_id)
    meta = _rule_meta(data["rule_id"])
    if "title" not in data:
        data["title"] = meta.title if meta is not None else data["rule_id"]
    if "remediation" not in data:
        rem = meta.remediation if meta is not None else None
        data["remediation"] = {"text": rem.text if rem else "", "url": rem.url if rem else ""}
    return Finding.from_dict(data)


def item_to_tracked(item: Item) -> TrackedFinding:
    resolved = item.get("resolved_at")
    finding = _finding_from_item(item)
    return TrackedFinding(
        finding=finding,
        open=bool(item["open"]),
        first_seen=parse_iso(item["first_seen"]),
        last_seen=parse_iso(item["last_seen"]),
        status_changed_at=parse_iso(item["status_changed_at"]),
        transition=Transition(item["transition"]),
        scan_id=item["scan_id"],
        resolved_at=parse_iso(resolved) if resolved else None,
        accepted_risk=_accepted_risk(item, finding),
        suppression_changed=bool(item.get("suppression_changed", False)),
    )


@dataclass(frozen=True)
class ScanSummary:
    """One org's result of one scan run, including a failed run (``error`` set)."""

    org_name: str
    scan_id: str
    started_at: datetime
    finished_at: datetime
    org_id: str = ""
    salesforce_org_name: str = ""  # the Organization's Name, e.g. "Acme Corporation"
    instance_url: str = ""
    scanned_at: datetime | None = None  # the evaluation time (snapshot captured_at)
    error: str = ""  # one sentence, never a secret
    error_kind: str = ""  # "input" (bad secret/settings), "incomplete" (auth, API limit, network)
    by_status: dict[str, int] = field(default_factory=dict)
    failed_by_severity: dict[str, int] = field(default_factory=dict)
    opened: int = 0  # new violations a person is told about (suppressed ones not counted)
    resolved: int = 0
    open_violations: int = 0
    api_calls: int | None = None
    daily_api_remaining: int | None = None
    unavailable: dict[str, str] = field(default_factory=dict)
    incomplete_rules: dict[str, str] = field(default_factory=dict)
    notified_at: datetime | None = None
    published_at: datetime | None = None
    superseded_by: str = ""  # a newer scan took the org first; this one changed nothing after

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def display_name(self) -> str:
        """What a person calls the org: the Salesforce name, else the registered name."""
        return self.salesforce_org_name or self.org_name

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


_OMITTED_WHEN_EMPTY = ("salesforce_org_name", "instance_url", "error", "error_kind", "scanned_at")


def _summary_attributes(s: ScanSummary) -> Item:
    item: Item = {
        "org_name": s.org_name,
        "scan_id": s.scan_id,
        "org_id": s.org_id,
        "salesforce_org_name": s.salesforce_org_name,
        "instance_url": s.instance_url,
        "scan_status": "ERROR" if s.error else "OK",
        "error": s.error,
        "error_kind": s.error_kind,
        "started_at": iso(s.started_at),
        "finished_at": iso(s.finished_at),
        "scanned_at": iso(s.scanned_at) if s.scanned_at else "",
        "duration_ms": s.duration_ms,
        "by_status": dict(s.by_status),
        "failed_by_severity": dict(s.failed_by_severity),
        "opened": s.opened,
        "resolved": s.resolved,
        "open_violations": s.open_violations,
        "unavailable": dict(s.unavailable),
    }
    for name in _OMITTED_WHEN_EMPTY:  # read back as "" (every reader defaults them)
        if item[name] == "":
            del item[name]
    if s.incomplete_rules:
        item["incomplete_by_reason"] = _group_by_reason(s.incomplete_rules)
    if s.superseded_by:
        item["superseded_by"] = s.superseded_by
    if s.api_calls is not None:
        item["api_calls"] = s.api_calls
    if s.daily_api_remaining is not None:
        item["daily_api_remaining"] = s.daily_api_remaining
    return item


def summary_to_item(s: ScanSummary, history_days: int = DEFAULT_HISTORY_DAYS) -> Item:
    item: Item = {"pk": org_pk(s.org_name), "sk": scan_sk(s.scan_id), "item_type": ITEM_SCAN}
    item.update(_summary_attributes(s))
    item[TTL_ATTRIBUTE] = int((s.finished_at + timedelta(days=history_days)).timestamp())
    return item


def latest_to_item(s: ScanSummary) -> Item:
    item: Item = {"pk": LATEST_PK, "sk": ORG_PREFIX + s.org_name, "item_type": ITEM_LATEST}
    item.update(_summary_attributes(s))
    return item


def _group_by_reason(incomplete_rules: dict[str, str]) -> dict[str, set[str]]:
    """rule id -> reason, as reason -> rule ids (a string set: no empty set is ever written)."""
    grouped: dict[str, set[str]] = {}
    for rule_id, reason in incomplete_rules.items():
        grouped.setdefault(reason, set()).add(rule_id)
    return grouped


def _incomplete_rules(item: Item) -> dict[str, str]:
    """rule id -> reason, from either shape: grouped by reason, or one reason per rule (records
    written before the grouping)."""
    grouped = item.get("incomplete_by_reason")
    if grouped is None:
        return {str(k): str(v) for k, v in (item.get("incomplete_rules") or {}).items()}
    return {
        str(rule_id): str(reason)
        for reason, rule_ids in sorted(grouped.items())
        for rule_id in sorted(rule_ids)
    }


def _int_map(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in (value or {}).items()}


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_time(value: Any) -> datetime | None:
    return parse_iso(value) if value else None


def item_to_summary(item: Item) -> ScanSummary:
    return ScanSummary(
        org_name=item["org_name"],
        scan_id=item["scan_id"],
        started_at=parse_iso(item["started_at"]),
        finished_at=parse_iso(item["finished_at"]),
        org_id=item.get("org_id", ""),
        salesforce_org_name=item.get("salesforce_org_name", ""),
        instance_url=item.get("instance_url", ""),
        scanned_at=_opt_time(item.get("scanned_at")),
        error=item.get("error", ""),
        error_kind=item.get("error_kind", ""),
        by_status=_int_map(item.get("by_status")),
        failed_by_severity=_int_map(item.get("failed_by_severity")),
        opened=int(item.get("opened", 0)),
        resolved=int(item.get("resolved", 0)),
        open_violations=int(item.get("open_violations", 0)),
        api_calls=_opt_int(item.get("api_calls")),
        daily_api_remaining=_opt_int(item.get("daily_api_remaining")),
        unavailable={str(k): str(v) for k, v in (item.get("unavailable") or {}).items()},
        incomplete_rules=_incomplete_rules(item),
        notified_at=_opt_time(item.get("notified_at")),
        published_at=_opt_time(item.get("published_at")),
        superseded_by=str(item.get("superseded_by", "")),
    )


def plain(value: Any) -> Any:
    """Decimals from DynamoDB back to ints/floats (deserialized items carry Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
