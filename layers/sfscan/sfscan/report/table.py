"""The terminal table: findings grouped by rule, worst first, wrapped to the terminal's width.

No third-party table library: four columns and textwrap are enough, and keeping the layer small
matters more than box-drawing characters. Colour codes are added after padding so they never
count towards a column's width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.timestamps import utc_iso
from sfscan.engine import ScanResult
from sfscan.report.order import STATUS_ORDER, grouped_by_rule

DEFAULT_WIDTH = 100
MIN_WIDTH = 60
GAP = "  "
RESOURCE_MIN = 16
DETAIL_MIN = 30

_RESET = "\033[0m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
_STATUS_COLOUR = {
    Status.FAILED: "\033[31m",  # red
    Status.WARNING: "\033[33m",  # yellow
    Status.NOT_AVAILABLE: "\033[35m",  # magenta: "we could not tell", not "fine"
    Status.PASSED: "\033[32m",  # green
}


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    # break_long_words: usernames and ids have no spaces and must not overflow their column.
    lines = textwrap.wrap(
        text,
        width=width,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    )
    return lines or [""]


def _wrap_resource(name: str, width: int) -> list[str]:
    """A username that does not fit breaks before its '@', where a reader expects it to."""
    local, at, domain = name.partition("@")
    if len(name) > width and at and len(local) <= width and len(at + domain) <= width:
        return [local, at + domain]
    return _wrap(name, width)


class _Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour and text.strip() else text


def _status_cell(finding: Finding) -> list[str]:
    return [finding.status.value, "suppressed"] if finding.suppressed else [finding.status.value]


def _column_widths(findings: Sequence[Finding], width: int) -> tuple[int, int, int, int]:
    status_w = max([len(s.value) for s in {f.status for f in findings}] + [len("STATUS")])
    severity_w = max([len(f.severity.value) for f in findings] + [len("SEVERITY")])
    rest = width - status_w - severity_w - 3 * len(GAP)
    # The resource column takes what its longest name needs, up to ~45% of the room left, and
    # never squeezes the detail below DETAIL_MIN (a narrow terminal shrinks the resource first).
    longest = max([len(f.resource_name or f.resource_id) for f in findings] + [len("RESOURCE")])
    resource_w = min(longest, max(RESOURCE_MIN, rest * 45 // 100), rest - DETAIL_MIN)
    resource_w = max(resource_w, 8)
    return status_w, severity_w, resource_w, max(rest - resource_w, 10)


def _row_lines(finding: Finding, widths: tuple[int, int, int, int], style: _Style) -> list[str]:
    status_w, severity_w, resource_w, detail_w = widths
    cells = [
        _status_cell(finding),
        [finding.severity.value] if finding.status is not Status.PASSED else [""],
        _wrap_resource(finding.resource_name or finding.resource_id, resource_w),
        _wrap(finding.detail, detail_w),
    ]
    lines = []
    for i in range(max(len(c) for c in cells)):
        status, severity, resource, detail = (c[i] if i < len(c) else "" for c in cells)
        status_text = status.ljust(status_w)
        if i == 0:
            status_text = style.paint(status_text, _STATUS_COLOUR[finding.status])
        elif status:
            status_text = style.paint(status_text, _DIM)
        lines.append(
            GAP.join(
                [status_text, severity.ljust(severity_w), resource.ljust(resource_w), detail]
            ).rstrip()
        )
    return lines


def _status_counts(shown: dict[str, int], hidden: dict[str, int]) -> str:
    parts = []
    for status in STATUS_ORDER:
        text = f"{shown[status.value]} {status.value}"
        if hidden.get(status.value):
            text = f"{hidden[status.value]} {status.value} (hidden)"
        parts.append(text)
    return ", ".join(parts)


def summary_line(result: ScanResult, hidden: dict[str, int] | None = None) -> str:
    """``42 findings: 18 FAILED, ... | FAILED by severity: ... | 1 suppressed``. With --status,
    ``hidden`` counts what was left out: the line still says how many findings could not be
    judged (NOT_AVAILABLE), so a filtered report never reads as "nothing is missing"."""
    summary = result.summary()
    hidden = {k: v for k, v in (hidden or {}).items() if v}
    failed = summary["failed_by_severity"]
    by_severity = ", ".join(
        f"{failed[s.value]} {s.value}"
        for s in sorted(Severity, key=lambda s: -s.rank)
        if failed[s.value]
    )
    total = f"{summary['total']} findings"
    if hidden:
        everything = summary["total"] + sum(hidden.values())
        total = f"{summary['total']} of {everything} findings shown (--status)"
    parts = [f"{total}: {_status_counts(summary['by_status'], hidden)}"]
    parts.append(f"FAILED by severity: {by_severity or 'none'}")
    parts.append(f"{summary['suppressed']} suppressed")
    return " | ".join(parts)


def render_table(
    result: ScanResult,
    *,
    width: int = DEFAULT_WIDTH,
    colour: bool = False,
    hidden: dict[str, int] | None = None,
) -> str:
    width = max(MIN_WIDTH, width)
    style = _Style(colour)
    out: list[str] = []
    heading = f"{result.org_name or result.org_id} ({result.org_id})"
    evaluated = utc_iso(result.evaluated_at)
    out.extend(_wrap(f"sfscan: {heading}, evaluated at {evaluated}", width))
    if not result.findings:
        out.append("")
        out.append("No findings.")
    widths = _column_widths(result.findings, width) if result.findings else (0, 0, 0, 0)
    for rule_id, findings in grouped_by_rule(result.findings):
        out.append("")
        for line in _wrap(f"{rule_id}  {findings[0].title}", width):
            out.append(style.paint(line, _BOLD))
        titles = ("STATUS", "SEVERITY", "RESOURCE", "DETAIL")
        header = GAP.join(t.ljust(w) for t, w in zip(titles, widths, strict=True)).rstrip()
        out.append(style.paint(header, _DIM))
        for finding in findings:
            out.extend(_row_lines(finding, widths, style))
    if result.incomplete_rules:
        out.append("")
        out.append("Incomplete rules (their NOT_AVAILABLE findings resolve nothing):")
        for rule_id, why in sorted(result.incomplete_rules.items()):
            out.extend(_wrap(f"  {rule_id}: {why}", width, indent="      "))
    out.extend(_out_of_scope_lines(result, width))
    out.append("")
    out.extend(_wrap(summary_line(result, hidden), width, indent="  "))
    return "\n".join(out) + "\n"


OUT_OF_SCOPE_SHOWN = 10


def _out_of_scope_lines(result: ScanResult, width: int) -> list[str]:
    """Active users the control does not judge (portal, community, guest): named with the reason,
    so that a user without findings is never read as a pass."""
    users = result.out_of_scope
    if not users:
        return []
    out = ["", f"{len(users)} active user(s) not judged (outside the control's scope):"]
    for user in users[:OUT_OF_SCOPE_SHOWN]:
        name = user.get("username") or user.get("user_id") or "?"
        out.extend(_wrap(f"  {name}: {user.get('reason', '')}", width, indent="      "))
    if len(users) > OUT_OF_SCOPE_SHOWN:
        out.append(f"  +{len(users) - OUT_OF_SCOPE_SHOWN} more (--format json lists them all)")
    return out
