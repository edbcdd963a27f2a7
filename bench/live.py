"""Live scans of synthetic orgs (orgsim.generate) and the demo org through the simulator.

For each org: the simulator runs in its own process with 50 ms injected latency per request;
a second, measured process logs in over HTTPS with the real client, collects, then evaluates
(bench/scan.py). The records: API calls against their floor (per source), wall time against the
latency floor of the longest dependent chain, peak memory of the scanning process, pure
evaluation time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.scan import api_floor, start_simulator
from orgsim.generate import generate
from orgsim.soql import parse_datetime

LATENCY_MS = 50
LOOKBACK_DAYS = 30  # the scan's default window
DEMO = Path(__file__).resolve().parents[1] / "orgsim" / "orgs" / "demo.json"
MEMORY_GOAL_MB = 1024  # the scan function's MemorySize


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    users: int
    logins: int
    apps: int


DEMO_CASE = Case("demo", "demo org", 0, 0, 0)
CASES = (
    Case("1k", "1k users, 30k logins, 10 apps", 1_000, 30_000, 10),
    Case("10k", "10k users, 100k logins, 100 apps", 10_000, 100_000, 100),
    Case("10k-300k", "10k users, 300k logins, 100 apps", 10_000, 300_000, 100),
    Case("100k", "100k users, 1M logins, 500 apps", 100_000, 1_000_000, 500),
)


def _snapshot(case: Case, folder: Path) -> tuple[Path, dict[str, Any]]:
    if case is DEMO_CASE:
        return DEMO, json.loads(DEMO.read_text())
    data = generate(case.users, case.logins, case.apps, seed=1)
    path = folder / f"{case.key}.json"
    path.write_text(json.dumps(data, separators=(",", ":")))
    return path, data


def _chain_floor(floor: dict[str, int]) -> int:
    """Calls one after another that no client can avoid: the token, then the longest paging of
    one query (a query's pages follow each other's cursor)."""
    pages = [v for k, v in floor.items() if k[:1].isupper() and k != "LoginHistory"]
    return 1 + max(pages)


def _measure(path: Path, captured_at: str) -> dict[str, Any]:
    simulator, ready = start_simulator(path, LATENCY_MS)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "bench.scan", json.dumps(ready), captured_at],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the measured scan failed:\n{child.stderr[-3000:]}")
    finally:
        simulator.terminate()
        simulator.wait(timeout=60)
    result: dict[str, Any] = json.loads(child.stdout)
    return result


def run_case(case: Case) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="sfscan-bench-") as tmp:
        path, data = _snapshot(case, Path(tmp))
        end = parse_datetime(data["captured_at"])
        start = end.replace(microsecond=0) - timedelta(days=LOOKBACK_DAYS)
        floor = api_floor(data, start, end)
        del data
        got = _measure(path, end.isoformat())
    return _records(case, floor, got)


def _records(case: Case, floor: dict[str, int], got: dict[str, Any]) -> list[dict[str, Any]]:
    prefix = "readiness check: "
    spent = {k.removeprefix(prefix): v for k, v in got["calls"].items() if k.startswith(prefix)}
    readiness = sum(spent.values())
    for key in spent:
        got["calls"].pop(prefix + key)
    calls = sum(got["calls"].values())
    total_floor = sum(floor.values())
    over = {
        k: {"calls": got["calls"].get(k, 0), "floor": floor.get(k, 0)}
        for k in sorted(set(floor) | set(got["calls"]))
        if got["calls"].get(k, 0) != floor.get(k, 0)
    }
    chain = _chain_floor(floor)
    rows = [
        {
            "measurement": f"{case.label}: API calls of a live scan",
            "value": calls + readiness,
            "floor": total_floor,
            "ratio": round((calls + readiness) / total_floor, 3),
            "goal": "ratio <= 1.05",
            "readiness_check_calls": spent,
            "collection_calls": calls,
            "login_history": f"{got['login_history_mode']}, {got['login_history_rows_kept']} rows",
            "rows_kept": got["rows_kept"],
            "bytes_received": got["bytes_received"],
            "differs_from_floor": over,
        },
        {
            "measurement": f"{case.label}: wall time of the collection, s",
            "value": got["collect_s"],
            "floor": round(chain * LATENCY_MS / 1000, 2),
            "ratio": round(got["collect_s"] / (chain * LATENCY_MS / 1000), 2),
            "goal": f"latency floor: {chain} dependent calls x {LATENCY_MS} ms",
        },
        {
            "measurement": f"{case.label}: peak memory of the scanning process, MB",
            "value": got["peak_rss_mb"],
            "floor": None,
            "goal": f"<= {MEMORY_GOAL_MB}",
            "peak_during_collection_mb": got["peak_rss_collect_mb"],
        },
        {
            "measurement": f"{case.label}: evaluation time, s",
            "value": got["evaluate_s"],
            "floor": None,
            "goal": "linear in the org's size",
            "findings": got["findings"],
        },
    ]
    for row in rows:
        print(f"  live      {row['measurement']:<70} {row['value']}  (floor {row['floor']})")
    if over:
        print(f"            calls that differ from their floor: {over}", flush=True)
    return rows
