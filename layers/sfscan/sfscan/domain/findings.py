"""Findings, statuses and severities exactly as CONTROL.md defines them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The ASFF compliance statuses."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    WARNING = "WARNING"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class Severity(StrEnum):
    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_ORDER = (
    Severity.INFORMATIONAL,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)


@dataclass(frozen=True)
class Remediation:
    text: str
    url: str


@dataclass(frozen=True)
class Finding:
    """One rule's judgement of one resource."""

    rule_id: str
    org_id: str
    resource_type: str
    resource_id: str
    resource_name: str
    status: Status
    severity: Severity
    title: str
    detail: str
    remediation: Remediation
    evidence: dict[str, Any] = field(default_factory=dict)
    suppressed: bool = False

    @property
    def key(self) -> str:
        """Stable identity of the finding across scans: (org, rule, resource)."""
        return f"{self.org_id}/{self.rule_id}/{self.resource_id}"

    def with_suppressed(self, suppressed: bool) -> Finding:
        return replace(self, suppressed=suppressed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "org_id": self.org_id,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "resource_name": self.resource_name,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "evidence": self.evidence,
            "remediation": {"text": self.remediation.text, "url": self.remediation.url},
            "suppressed": self.suppressed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        rem = data["remediation"]
        return cls(
            rule_id=data["rule_id"],
            org_id=data["org_id"],
            resource_type=data["resource_type"],
            resource_id=data["resource_id"],
            resource_name=data["resource_name"],
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            title=data["title"],
            detail=data["detail"],
            evidence=dict(data.get("evidence") or {}),
            remediation=Remediation(text=rem["text"], url=rem["url"]),
            suppressed=bool(data.get("suppressed", False)),
        )
