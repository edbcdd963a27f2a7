"""The pipeline bench's floors and records (bench/README.md, "Pipeline", says why each floor is
the least a scan can cost): one scan's measured costs (``ScanCost``) -> its records."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sfscan_harness.capacity import wcu

DDB_GOAL = "only changed items written; items < 1 KB"  # issue 11's goal for DynamoDB
HUB_BATCH = 100  # BatchImportFindings takes at most 100 findings a call
TRANSACT_MAX = 100  # TransactWriteItems takes at most 100 actions
QUERY_PAGE_BYTES = 1024 * 1024  # a Query returns at most 1 MB a call


@dataclass
class ScanCost:
    """One scan (scan function, then publish function) as measured, with what its floors need."""

    label: str
    scan_id: str
    calls: dict[str, int]
    writes: int
    units: int
    findings: int = 0
    finding_sizes: list[int] = field(default_factory=list)  # every finding item of the org
    written_findings: list[int] = field(default_factory=list)  # sizes of finding items written
    changed_findings: list[int] = field(default_factory=list)  # sizes of the items of findings
    # whose judgement (status, severity, detail, suppression) is new or differs from the last scan
    record_sizes: list[int] = field(default_factory=list)  # the scan's record, the org's latest
    open_violations: int = 0
    notified_changes: int = 0  # new violations and resolutions an e-mail reports
    safety: Counter[str] = field(default_factory=Counter)  # Safety.counts of this scan

    def service_calls(self, service: str, operation: str = "") -> int:
        prefix = f"{service}.{operation}"
        return sum(n for name, n in self.calls.items() if name.startswith(prefix))


def _ratio(value: int, floor: int) -> float | None:
    if floor:
        return round(value / floor, 3)
    return 1.0 if value == 0 else None


def _row(
    cost: ScanCost, what: str, value: int, floor: int, goal: str = "ratio <= 1.05", **details: Any
) -> dict[str, Any]:
    return {
        "measurement": f"pipeline, demo org {cost.label}: {what}",
        "value": value,
        "floor": floor,
        "ratio": _ratio(value, floor),
        "goal": goal,
        **details,
    }


def kept_for_safety(cost: ScanCost) -> dict[str, int]:
    """The writes above the floor that sfscan keeps on purpose (module docstring), measured:
    calls (the claim's UpdateItem, the publish's marker writes beyond one) and items (also the
    claim's ConditionCheck in each findings transaction)."""
    extra_markers = max(cost.safety["marker_writes"] - 1, 0)
    calls = cost.safety["claim"] + extra_markers
    return {"calls": calls, "items": calls + cost.safety["claim_checks"]}


def goal_met(cost: ScanCost) -> bool:
    """Issue 11's goal for DynamoDB: only changed findings written, every item under 1 KB."""
    largest = max([*cost.written_findings, *cost.record_sizes], default=0)
    return len(cost.written_findings) == len(cost.changed_findings) and largest < 1024


def floors(cost: ScanCost) -> dict[str, int]:
    """The least each measurement can be (bench/README.md, Floors, says why)."""
    changed = len(cost.changed_findings)
    scan_record, latest = cost.record_sizes
    queries = max(1, math.ceil(sum(cost.finding_sizes) / QUERY_PAGE_BYTES))  # the org's findings
    # The scan function reads its own record and the org's settings (GetItem) and findings,
    # writes the changed findings (100 a call), the scan's record and the org's latest record.
    scan = 2 + queries + math.ceil(changed / TRANSACT_MAX) + 2
    # Publishing reads the org's scan records back to the last published one (one Query, this
    # scan's own included) and the findings to publish (open or changed), and marks the scan's
    # record published.
    publish = 1 + queries + 1
    units = sum(wcu(s) for s in cost.changed_findings) + 2 * wcu(scan_record) + wcu(latest)
    return {
        "dynamodb_calls": scan + publish,
        "dynamodb_writes": changed + 3,
        "dynamodb_units": units,
        "sns": 1 if cost.notified_changes else 0,
        "security_hub": math.ceil(cost.open_violations / HUB_BATCH),
    }


def rows(cost: ScanCost) -> list[dict[str, Any]]:
    floor = floors(cost)
    hub = {k.split(".", 1)[1]: n for k, n in cost.calls.items() if k.startswith("securityhub.")}
    return [
        *_dynamodb_rows(cost, floor),
        _row(
            cost,
            "SNS messages",
            cost.service_calls("sns", "Publish"),
            floor["sns"],
            changes_notified=cost.notified_changes,
        ),
        _row(
            cost,
            "Security Hub calls",
            cost.service_calls("securityhub"),
            floor["security_hub"],
            calls=hub,
            open_violations=cost.open_violations,
        ),
    ]


def _dynamodb_rows(cost: ScanCost, floor: dict[str, int]) -> list[dict[str, Any]]:
    """Calls, items written and write units, each with issue 11's goal for DynamoDB and the
    writes kept above the floor on purpose."""
    ddb = {
        k.split(".", 1)[1]: n for k, n in sorted(cost.calls.items()) if k.startswith("dynamodb.")
    }
    safety = kept_for_safety(cost)
    met = {"goal_met": goal_met(cost), "safety_writes": dict(sorted(cost.safety.items()))}
    calls = cost.service_calls("dynamodb")
    written = cost.written_findings
    return [
        _row(
            cost,
            "DynamoDB calls",
            calls,
            floor["dynamodb_calls"],
            DDB_GOAL,
            calls=ddb,
            kept_for_safety=safety["calls"],
            ratio_without_safety=_ratio(calls - safety["calls"], floor["dynamodb_calls"]),
            **met,
        ),
        _row(
            cost,
            "DynamoDB items written",
            cost.writes,
            floor["dynamodb_writes"],
            DDB_GOAL,
            finding_items_written=len(written),
            findings_changed=len(cost.changed_findings),
            findings=cost.findings,
            kept_for_safety=safety["items"],
            **met,
        ),
        _row(
            cost,
            "DynamoDB write units (WCU)",
            cost.units,
            floor["dynamodb_units"],
            DDB_GOAL,
            largest_finding_item_bytes=max(written, default=0),
            mean_finding_item_bytes=round(sum(written) / len(written)) if written else 0,
            record_item_bytes=cost.record_sizes,
            **met,
        ),
    ]
