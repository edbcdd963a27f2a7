"""docs/reliability.md's fault matrix: every row names a test, and that test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "reliability.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def matrix_rows() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## The fault matrix")
    end = text.index("\n## ", start + 1)
    rows = []
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 3:
            continue
        if cells[0] == "fault" or set(cells[0]) <= {"-"}:
            continue  # header or separator
        rows.append(line)
    return rows


def test_the_matrix_covers_every_area_the_issue_names() -> None:
    rows = " ".join(matrix_rows()).lower()
    for fault in (
        "session expired", "request limit", "5xx", "timeout", "drip", "redirect",
        "unreadable", "truncated", "empty 200", "revoked", "pointing at itself",
        "secret missing", "dynamodb throttling", "conditional-write conflict", "too large",
        "sns", "security hub throttling", "failedfindings", "redelivers", "killed mid-scan",
        "poison", "two scans of one org", "older scan", "settings file", "snapshot", "null",
    ):  # fmt: skip
        assert fault in rows, fault


def test_every_row_names_a_test_that_exists() -> None:
    rows = matrix_rows()
    assert len(rows) >= 60
    problems = []
    for row in rows:
        last_cell = row.strip().strip("|").split("|")[-1]
        refs = TEST_REF.findall(last_cell)
        if not refs:
            problems.append(f"no test named: {row[:80]}")
        for path, name in refs:
            source = ROOT / path
            if not source.is_file():
                problems.append(f"{path} does not exist")
            elif not re.search(rf"^def {name}\(", source.read_text(encoding="utf-8"), re.M):
                problems.append(f"{path}::{name} does not exist")
    assert problems == []
