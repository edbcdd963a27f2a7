"""What a person reads: one plain-text message per org per scan with new violations and
resolutions, split into parts when it would not fit into one SNS message.

Pure: no AWS, no clock. sns.py sends what this builds. Suppressed findings (accepted risks) are
never notified; neither is a scan that changed nothing.
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.lifecycle import TrackedFinding
from sfscan.store.evidence import omitted_count, top_entries

SNS_MAX_BYTES = 256 * 1024
MAX_SUBJECT = 99  # SNS: ASCII, no line breaks, "less than 100 characters"
MAX_FIELD_CHARS = 4000  # one finding's text field in an e-mail; keeps every finding splittable
MAX_LISTED_IPS = 10  # SF-NET-01: the IPs an e-mail names ("confirm whether they belong to you")
IP_EVIDENCE_KEY = "outside_ips"
# Severities from most to least urgent: the order a person triages in.
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_WRAP = 78  # plain-text e-mail line width
_RULE = "=" * _WRAP
# Fixed bytes a part may need beyond its findings: "(part N of M)" markers and rounding slack.
_PART_MARKER_SLACK = 64

AttributeValue = str | list[str]


@dataclass(frozen=True)
class Notification:
    """One SNS message. ``attributes`` become MessageAttributes: a list is a String.Array."""

    subject: str
    message: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    part: int = 1
    parts: int = 1


@dataclass(frozen=True)
class _Block:
    """One finding's text, never split across parts, and what it adds to the attributes."""

    section: str  # "new" | "resolved"
    group: str  # the severity heading it sits under ("" for resolved)
    text: str
    rule_id: str
    severity: Severity | None  # set for new violations only

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def ascii_text(text: str) -> str:
    """Printable ASCII on one line: accents folded (é -> e), other characters dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in folded).split())


def _cap(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _headline(finding: Finding) -> str:
    name = finding.resource_name or finding.resource_id
    return textwrap.fill(
        f"* [{finding.rule_id}] {finding.title}: {name}",
        width=_WRAP,
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _field(label: str, text: str) -> str:
    """``  Label:    text`` wrapped for a plain-text e-mail, continuation lines aligned; URLs and
    long words are never broken, so they stay clickable."""
    return textwrap.fill(
        " ".join(text.split()),
        width=_WRAP,
        initial_indent=f"  {label + ':':<10}",
        subsequent_indent=" " * 12,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _resource_line(finding: Finding) -> str:
    if finding.resource_name and finding.resource_name != finding.resource_id:
        return f"{finding.resource_type} {finding.resource_name} ({finding.resource_id})"
    return f"{finding.resource_type} {finding.resource_id}"


def _logins(usage: object) -> str:
    count = usage.get("count") if isinstance(usage, dict) else usage
    if isinstance(count, int) and not isinstance(count, bool):
        return f" ({_plural(count, 'login')})"
    return ""


def listed_ips(finding: Finding) -> str:
    """SF-NET-01's outside IPs, most-used first, at most MAX_LISTED_IPS, then "+N more"; "" when
    the finding lists none. The stored evidence is already bounded: its ``_omitted`` count is
    added, so the total is the number of IPs the rule saw."""
    ips = finding.evidence.get(IP_EVIDENCE_KEY)
    if not isinstance(ips, dict) or not ips:
        return ""
    shown = top_entries(ips, MAX_LISTED_IPS)
    assert isinstance(shown, dict)
    more = len(ips) - len(shown) + omitted_count(finding.evidence, IP_EVIDENCE_KEY)
    listed = [f"{ip}{_logins(usage)}" for ip, usage in shown.items()]
    if more:
        listed.append(f"+{more} more")
    return ", ".join(listed)


def _new_block(finding: Finding) -> _Block:
    lines = [
        _headline(finding),
        _field("Resource", _resource_line(finding)),
        _field("Problem", _cap(finding.detail)),
    ]
    if ips := listed_ips(finding):
        lines.append(_field("IPs", _cap(ips)))
    lines.append(_field("Fix", _cap(finding.remediation.text)))
    if finding.remediation.url.strip():
        lines.append(_field("Guide", finding.remediation.url.strip()))
    text = "\n".join(lines) + "\n\n"
    return _Block("new", finding.severity.value, text, finding.rule_id, finding.severity)


def _resolved_block(finding: Finding) -> _Block:
    why = (
        "now compliant"
        if finding.status is Status.PASSED
        else "no longer found in the org (removed, deactivated or out of scope)"
    )
    lines = [
        _headline(finding),
        _field("Resource", _resource_line(finding)),
        _field("Status", f"was {finding.severity.value}; {why}."),
    ]
    return _Block("resolved", "", "\n".join(lines) + "\n\n", finding.rule_id, None)


def _severity_counts(findings: Sequence[Finding]) -> str:
    counts = [(s, sum(1 for f in findings if f.severity is s)) for s in SEVERITY_ORDER]
    return ", ".join(f"{s.value} {n}" for s, n in counts if n)


def _sorted_new(opened: Sequence[Finding]) -> list[Finding]:
    order = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(
        opened,
        key=lambda f: (order.get(f.severity, len(order)), f.rule_id, f.resource_name, f.key),
    )


def _subject(org_label: str, new: int, resolved: int, part: int, parts: int) -> str:
    counts = []
    if new:
        counts.append(_plural(new, "new violation"))
    if resolved:
        counts.append(f"{resolved} resolved")
    tail = " - " + ", ".join(counts)
    if parts > 1:
        tail += f" (part {part} of {parts})"
    room = MAX_SUBJECT - len("sfscan: ") - len(tail)
    name = ascii_text(org_label) or "Salesforce org"
    if len(name) > room:
        name = name[: max(room - 3, 1)].rstrip() + "..."
    return f"sfscan: {name}{tail}"[:MAX_SUBJECT]


def _header(
    org_name: str,
    org_id: str,
    scan_id: str,
    scanned_at: datetime,
    new: Sequence[Finding],
    resolved: int,
    part: int,
    parts: int,
) -> str:
    when = scanned_at if scanned_at.tzinfo else scanned_at.replace(tzinfo=UTC)
    lines = [
        f"sfscan found changes in Salesforce org {org_name or org_id}."
        + (f" (part {part} of {parts})" if parts > 1 else ""),
        "",
        f"Org:            {org_name + ' ' if org_name else ''}({org_id})",
        f"Scanned at:     {when.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"Scan:           {scan_id}",
        f"New violations: {len(new)}" + (f" ({_severity_counts(new)})" if new else ""),
        f"Resolved:       {resolved}",
        "",
    ]
    return "\n".join(lines) + "\n"


def footer(example: Finding | None) -> str:
    """How to silence an accepted risk, with a suppression entry ready to paste."""
    rule_id = example.rule_id if example else "<rule id>"
    resource_id = example.resource_id if example else "<resource id>"
    entry = json.dumps(
        {"rule_id": rule_id, "resource_id": resource_id, "reason": "<why>", "expires": "<date>"}
    )
    return (
        "-- \n"
        "Accepted a risk? Add an entry under suppressions in the org's sfscan settings:\n"
        f"  {entry}\n"
        "A suppressed finding stays FAILED in reports, is not e-mailed, and shows as\n"
        "SUPPRESSED in Security Hub. When the suppression expires, e-mails resume.\n"
    )


def _section_heading(section: str) -> str:
    title = "NEW VIOLATIONS" if section == "new" else "RESOLVED"
    return f"{title}\n{_RULE}\n\n"


def _group_heading(group: str, continued: bool) -> str:
    label = f"{group} (continued)" if continued else group
    return f"{label}\n{'-' * len(label)}\n"


def _render_body(blocks: Sequence[_Block], continued_groups: set[tuple[str, str]]) -> str:
    out: list[str] = []
    section, group = "", ""
    for block in blocks:
        if block.section != section:
            section, group = block.section, ""
            out.append(_section_heading(section))
        if block.group and block.group != group:
            group = block.group
            out.append(_group_heading(group, (section, group) in continued_groups))
        out.append(block.text)
    return "".join(out)


def _attributes(blocks: Sequence[_Block], org_id: str) -> dict[str, AttributeValue]:
    severities = [b.severity for b in blocks if b.severity is not None]
    highest = max(severities, key=lambda s: s.rank) if severities else Severity.INFORMATIONAL
    return {
        "severity": highest.value,
        "org_id": org_id,
        "rule_id": sorted({b.rule_id for b in blocks}),
    }


def attributes_size(attributes: dict[str, AttributeValue]) -> int:
    """Bytes SNS counts for message attributes: name, data type and value of each."""
    total = 0
    for name, value in attributes.items():
        text = value if isinstance(value, str) else json.dumps(value)
        data_type = "String" if isinstance(value, str) else "String.Array"
        total += len(name.encode()) + len(data_type) + len(text.encode("utf-8"))
    return total


def _pack(blocks: Sequence[_Block], budget: int) -> list[list[_Block]]:
    """Greedy: fill each part with whole findings up to ``budget`` bytes of findings+headings."""
    heading_cost = max(len(_section_heading(s).encode()) for s in ("new", "resolved"))
    group_cost = max(len(_group_heading(s.value, True).encode()) for s in SEVERITY_ORDER)
    parts: list[list[_Block]] = [[]]
    used = 0
    for block in blocks:
        # Worst case: this block opens a new section and a new group in the part.
        cost = block.size + heading_cost + group_cost
        if cost > budget:
            raise ValueError(
                f"max_bytes is too small: one finding ({block.rule_id}) needs {cost} bytes "
                f"plus the header; allow at least {cost + 4096}"
            )
        if parts[-1] and used + cost > budget:
            parts.append([])
            used = 0
        parts[-1].append(block)
        used += cost
    return parts


def build_notifications(
    *,
    org_id: str,
    org_name: str,
    scan_id: str,
    scanned_at: datetime,
    opened: list[TrackedFinding],
    resolved: list[TrackedFinding],
    max_bytes: int = SNS_MAX_BYTES,
) -> list[Notification]:
    """The messages for one org's scan: [] when nothing a person should hear about changed.

    Each Notification's message plus its attributes fits in ``max_bytes`` (UTF-8); a change too
    big for one message is split between whole findings into parts marked "(part i of n)".
    """
    org_name = " ".join(org_name.split())  # one line wherever it is shown
    new = _sorted_new([t.finding for t in opened if not t.finding.suppressed])
    gone = sorted(
        (t.finding for t in resolved if not t.finding.suppressed),
        key=lambda f: (f.rule_id, f.resource_name, f.key),
    )
    if not new and not gone:
        return []
    blocks = [_new_block(f) for f in new] + [_resolved_block(f) for f in gone]
    # Every part's fixed text is at most this (the widest "(part n of m)" plus slack).
    widest = _header(org_name, org_id, scan_id, scanned_at, new, len(gone), 1, 1)
    closing = footer(new[0] if new else None)
    fixed = len(widest.encode()) + len(closing.encode()) + _PART_MARKER_SLACK
    fixed += attributes_size(_attributes(blocks, org_id))  # all rules: the largest list
    grouped = _pack(blocks, max_bytes - fixed)
    notifications = []
    seen_groups: set[tuple[str, str]] = set()
    for index, part_blocks in enumerate(grouped, start=1):
        part_groups = {(b.section, b.group) for b in part_blocks if b.group}
        continued = part_groups & seen_groups
        seen_groups |= part_groups
        header = _header(org_name, org_id, scan_id, scanned_at, new, len(gone), index, len(grouped))
        message = header + _render_body(part_blocks, continued) + closing
        attributes = _attributes(part_blocks, org_id)
        size = len(message.encode("utf-8")) + attributes_size(attributes)
        if size > max_bytes:  # packing reserves room for the header; this would be our bug
            raise RuntimeError(f"notification part {index} is {size} bytes; over {max_bytes}")
        notifications.append(
            Notification(
                subject=_subject(org_name or org_id, len(new), len(gone), index, len(grouped)),
                message=message,
                attributes=attributes,
                part=index,
                parts=len(grouped),
            )
        )
    return notifications
