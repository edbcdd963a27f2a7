"""The README's Performance table from bench/results/latest.json."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| measurement | value | floor | ratio | goal |", "|---|---|---|---|---|"]
    for row in rows:
        ratio = row.get("ratio")
        lines.append(
            f"| {row['measurement']} | {_cell(row.get('value'))} | {_cell(row.get('floor'))} "
            f"| {_cell(ratio)} | {_cell(row.get('goal'))} |"
        )
    return "\n".join(lines)
