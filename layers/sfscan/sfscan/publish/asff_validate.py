"""Check ASFF findings against what Security Hub enforces, before every BatchImportFindings call.

botocore only checks that required members are present, and moto accepts anything (aws-notes
§2.1), so without this module a bad finding would pass every test and fail in production. Limits
come from aws-notes §1.1-§1.5 (botocore securityhub model documentation and the ASFF user guide).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "CreatedAt",
    "UpdatedAt",
    "Title",
    "Description",
    "Resources",
    # Not required by botocore, but the ASFF guide says a finding without them is not valid.
    "Severity",
    "Types",
)
SCHEMA_VERSIONS = frozenset({"2018-10-08"})
SEVERITY_LABELS = frozenset({"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"})
COMPLIANCE_STATUSES = frozenset({"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"})
RECORD_STATES = frozenset({"ACTIVE", "ARCHIVED"})
WORKFLOW_STATUSES = frozenset({"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"})
TYPE_NAMESPACES = frozenset(
    {
        "Software and Configuration Checks",
        "TTPs",
        "Effects",
        "Unusual Behaviors",
        "Sensitive Data Identifications",
    }
)
TIMESTAMP_FIELDS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")
# (field, min chars, max chars) for top-level strings.
STRING_LENGTHS = (
    ("Id", 1, 512),
    ("GeneratorId", 1, 512),
    ("ProductArn", 12, 2048),
    ("Title", 1, 256),
    ("Description", 1, 1024),
    ("ProductName", 1, 128),
    ("CompanyName", 1, 128),
)
MAX_TYPES = 50
MAX_RESOURCES = 32
MAX_RESOURCE_TYPE = 256
MAX_PRODUCT_FIELDS = 50
MAX_PRODUCT_FIELD_KEY = 128
MAX_PRODUCT_FIELD_VALUE = 2048
MAX_OTHER_PAIRS = 50
MAX_OTHER_KEY = 127  # key < 128
MAX_OTHER_VALUE = 1023  # value < 1024
MAX_RECOMMENDATION_TEXT = 512
MAX_SEVERITY_ORIGINAL = 64
MAX_RELATED_REQUIREMENTS = 32
MAX_FINDING_BYTES = 240 * 1024
MAX_BATCH_FINDINGS = 100
MAX_BATCH_BYTES = 6 * 1024 * 1024

_ACCOUNT_ID = re.compile(r"\d{12}")
_PRODUCT_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):securityhub:(?P<region>[a-z0-9-]+):"
    r"(?P<account>\d{12})?:product/(?P<company>[^/\s]+)/(?P<product>[^/\s]+)"
)
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d{1,9})?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})"
)
_MAX_OFFSET = timedelta(hours=18)


def serialized_size(finding: Mapping[str, Any]) -> int:
    """Bytes of the finding as sent on the wire (compact JSON, UTF-8)."""
    return len(json.dumps(finding, separators=(",", ":"), default=str).encode("utf-8"))


def parse_timestamp(value: str) -> datetime | None:
    """An RFC 3339 timestamp as Security Hub accepts it, or None."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        return None
    zone = match["zone"]
    if zone != "Z":
        zone = zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    frac = (match["frac"] or "")[:7]  # Python keeps microseconds; the service rounds to ms
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}{frac}{zone}")
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > _MAX_OFFSET:
        return None
    return parsed


def _blank_strings(value: Any, path: str) -> Iterator[str]:
    """Paths of every blank string (value or map key): ASFF strings must match .*\\S.*"""
    if isinstance(value, str):
        if not value.strip():
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and not key.strip():
                yield f"{path}.<blank key>"
            yield from _blank_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _blank_strings(item, f"{path}[{index}]")


def _check_lengths(d: Mapping[str, Any]) -> Iterator[str]:
    for name, low, high in STRING_LENGTHS:
        value = d.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            yield f"{name} must be a string"
        elif not low <= len(value) <= high:
            yield f"{name} has {len(value)} characters; allowed {low}-{high}"


def _check_types(types: Any, name: str) -> Iterator[str]:
    if types is None:
        return
    if not isinstance(types, list) or not types:
        yield f"{name} must be a non-empty list"
        return
    if len(types) > MAX_TYPES:
        yield f"{name} has {len(types)} entries; at most {MAX_TYPES}"
    for finding_type in types:
        if not isinstance(finding_type, str):
            yield f"{name} entries must be strings"
            continue
        parts = finding_type.split("/")
        if len(parts) > 3 or any(not part.strip() for part in parts):
            yield f"{name} entry {finding_type!r} must be namespace/category/classifier"
        elif parts[0] not in TYPE_NAMESPACES:
            yield f"{name} entry {finding_type!r} has an unknown namespace {parts[0]!r}"


def _check_severity(severity: Any, name: str) -> Iterator[str]:
    if not isinstance(severity, Mapping):
        yield f"{name} must be an object"
        return
    label = severity.get("Label")
    if label is None and severity.get("Normalized") is None:
        yield f"{name} needs a Label"
    elif label is not None and label not in SEVERITY_LABELS:
        yield f"{name}.Label {label!r} is not one of {sorted(SEVERITY_LABELS)}"
    original = severity.get("Original")
    if original is not None and not 1 <= len(str(original)) <= MAX_SEVERITY_ORIGINAL:
        yield f"{name}.Original must have 1-{MAX_SEVERITY_ORIGINAL} characters"


def _check_associated_standards(compliance: Mapping[str, Any]) -> Iterator[str]:
    """AssociatedStandards: StandardsId must hold a non-blank character (pattern .*\\S.*)."""
    for standard in compliance.get("AssociatedStandards") or []:
        if not str(standard.get("StandardsId") or "").strip():
            yield "Compliance.AssociatedStandards entries need a non-blank StandardsId"


def _check_compliance(compliance: Mapping[str, Any]) -> Iterator[str]:
    status = compliance.get("Status")
    if status is not None and status not in COMPLIANCE_STATUSES:
        yield f"Compliance.Status {status!r} is not one of {sorted(COMPLIANCE_STATUSES)}"
    for reason in compliance.get("StatusReasons") or []:
        if not reason.get("ReasonCode"):
            yield "Compliance.StatusReasons entries need a ReasonCode"
    if len(compliance.get("RelatedRequirements") or []) > MAX_RELATED_REQUIREMENTS:
        yield f"Compliance.RelatedRequirements has more than {MAX_RELATED_REQUIREMENTS} items"
    yield from _check_associated_standards(compliance)


def _check_enums(d: Mapping[str, Any]) -> Iterator[str]:
    if "SchemaVersion" in d and d["SchemaVersion"] not in SCHEMA_VERSIONS:
        yield f"SchemaVersion {d['SchemaVersion']!r} is not one of {sorted(SCHEMA_VERSIONS)}"
    if "Severity" in d:
        yield from _check_severity(d["Severity"], "Severity")
    provider_severity = (d.get("FindingProviderFields") or {}).get("Severity")
    if provider_severity is not None:
        yield from _check_severity(provider_severity, "FindingProviderFields.Severity")
    compliance = d.get("Compliance")
    if compliance is not None:
        yield from _check_compliance(compliance)
    if "RecordState" in d and d["RecordState"] not in RECORD_STATES:
        yield f"RecordState {d['RecordState']!r} is not one of {sorted(RECORD_STATES)}"
    workflow_status = (d.get("Workflow") or {}).get("Status")
    if workflow_status is not None and workflow_status not in WORKFLOW_STATUSES:
        yield f"Workflow.Status {workflow_status!r} is not one of {sorted(WORKFLOW_STATUSES)}"


def _check_timestamps(d: Mapping[str, Any]) -> Iterator[str]:
    parsed: dict[str, datetime] = {}
    for name in TIMESTAMP_FIELDS:
        value = d.get(name)
        if value is None:
            continue
        moment = parse_timestamp(value) if isinstance(value, str) else None
        if moment is None:
            yield f"{name} {value!r} is not an RFC 3339 timestamp like 2026-11-28T03:00:00.000Z"
        else:
            parsed[name] = moment
    created, updated = parsed.get("CreatedAt"), parsed.get("UpdatedAt")
    if created is not None and updated is not None and updated < created:
        yield "UpdatedAt is earlier than CreatedAt"


def _check_identity(d: Mapping[str, Any]) -> Iterator[str]:
    account = d.get("AwsAccountId")
    if account is not None and not (isinstance(account, str) and _ACCOUNT_ID.fullmatch(account)):
        yield f"AwsAccountId {account!r} must be exactly 12 digits"
    arn = d.get("ProductArn")
    if not isinstance(arn, str):
        return
    match = _PRODUCT_ARN.fullmatch(arn)
    if match is None:
        yield (
            f"ProductArn {arn!r} must look like "
            "arn:<partition>:securityhub:<region>:<account>:product/<account>/default"
        )
    elif match["account"] is not None and {match["account"], match["company"]} != {account}:
        # The default (private) product: the caller, the ARN and the finding share one account.
        yield "ProductArn account must equal AwsAccountId (product/<AwsAccountId>/default)"


def _check_map(
    value: Any, name: str, max_pairs: int, max_key: int, max_value: int
) -> Iterator[str]:
    if not isinstance(value, Mapping):
        yield f"{name} must be a string map"
        return
    if len(value) > max_pairs:
        yield f"{name} has {len(value)} pairs; at most {max_pairs}"
    for key, item in value.items():
        if len(str(key)) > max_key:
            yield f"{name} key {str(key)[:40]!r} has {len(str(key))} characters; at most {max_key}"
        if not isinstance(item, str):
            yield f"{name}.{key} must be a string"
        elif len(item) > max_value:
            yield f"{name}.{key} has {len(item)} characters; at most {max_value}"


def _check_resources(d: Mapping[str, Any]) -> Iterator[str]:
    resources = d.get("Resources")
    if resources is None:
        return
    if not isinstance(resources, list) or not resources:
        yield "Resources must be a non-empty list"
        return
    if len(resources) > MAX_RESOURCES:
        yield f"Resources has {len(resources)} items; at most {MAX_RESOURCES}"
    for index, resource in enumerate(resources):
        where = f"Resources[{index}]"
        if not isinstance(resource, Mapping):
            yield f"{where} must be an object"
            continue
        for member in ("Type", "Id"):
            if not resource.get(member):
                yield f"{where}.{member} is required"
        if len(str(resource.get("Type", ""))) > MAX_RESOURCE_TYPE:
            yield f"{where}.Type has more than {MAX_RESOURCE_TYPE} characters"
        other = (resource.get("Details") or {}).get("Other")
        if other is not None:
            yield from _check_map(
                other, f"{where}.Details.Other", MAX_OTHER_PAIRS, MAX_OTHER_KEY, MAX_OTHER_VALUE
            )


def _check_optional_blocks(d: Mapping[str, Any]) -> Iterator[str]:
    if "ProductFields" in d:
        yield from _check_map(
            d["ProductFields"],
            "ProductFields",
            MAX_PRODUCT_FIELDS,
            MAX_PRODUCT_FIELD_KEY,
            MAX_PRODUCT_FIELD_VALUE,
        )
        for key in d["ProductFields"] if isinstance(d["ProductFields"], Mapping) else ():
            if str(key).startswith("aws/"):
                yield f"ProductFields key {key!r} uses the reserved aws/ prefix"
    if "UserDefinedFields" in d:
        yield "UserDefinedFields belongs to the customer; a provider must not send it"
    recommendation = (d.get("Remediation") or {}).get("Recommendation")
    if recommendation is not None:
        text = recommendation.get("Text")
        if text is not None and not 1 <= len(text) <= MAX_RECOMMENDATION_TEXT:
            yield f"Remediation.Recommendation.Text must have 1-{MAX_RECOMMENDATION_TEXT} chars"


def validate_finding(d: Mapping[str, Any]) -> list[str]:
    """Every way ``d`` breaks Security Hub's rules, as sentences; empty when it is valid."""
    problems = [f"{name} is required" for name in REQUIRED if d.get(name) in (None, "", [], {})]
    problems += _check_lengths(d)
    problems += _check_enums(d)
    problems += _check_timestamps(d)
    problems += _check_identity(d)
    problems += _check_types(d.get("Types"), "Types")
    provider_types = (d.get("FindingProviderFields") or {}).get("Types")
    problems += _check_types(provider_types, "FindingProviderFields.Types")
    problems += _check_resources(d)
    problems += _check_optional_blocks(d)
    problems += (f"{path} is blank" for path in _blank_strings(d, ""))
    size = serialized_size(d)
    if size > MAX_FINDING_BYTES:
        problems.append(f"the finding is {size} bytes; at most {MAX_FINDING_BYTES}")
    return list(dict.fromkeys(problems))  # one sentence per problem, in order


def validate_batch(findings: Sequence[Mapping[str, Any]]) -> None:
    """Raise ValueError naming each bad finding (by Id) and problem, or a batch-level limit."""
    problems: list[str] = []
    if not findings:
        problems.append("a batch needs at least one finding")
    if len(findings) > MAX_BATCH_FINDINGS:
        problems.append(f"a batch has {len(findings)} findings; at most {MAX_BATCH_FINDINGS}")
    total = sum(serialized_size(f) for f in findings)
    if total > MAX_BATCH_BYTES:
        problems.append(f"a batch is {total} bytes; at most {MAX_BATCH_BYTES}")
    seen: set[str] = set()
    for index, finding in enumerate(findings):
        label = str(finding.get("Id") or f"#{index}")
        if label in seen:
            problems.append(f"{label}: the same Id appears twice in one batch")
        seen.add(label)
        problems.extend(f"{label}: {problem}" for problem in validate_finding(finding))
    if problems:
        raise ValueError("invalid ASFF batch:\n" + "\n".join(problems))
