"""`make bench`: measure and report; never fail on a slow machine.

Results are printed as a table and written to bench/results/latest.json.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sfscan.domain.settings import parse_settings
from sfscan.domain.snapshot import parse_snapshot
from sfscan.engine import evaluate

from bench.synthetic import synthetic_snapshot

RESULTS = Path(__file__).parent / "results" / "latest.json"
SETTINGS = parse_settings({"allowed_networks": ["203.0.113.0/24", "198.51.100.0/24"]})


def _best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def bench_evaluate() -> list[dict[str, Any]]:
    rows = []
    cases = [
        ("1k users, 30k raw logins", 1_000, 30_000, False),
        ("10k users, 300k raw logins", 10_000, 300_000, False),
        ("10k users, 1M logins aggregated", 10_000, 1_000_000, True),
    ]
    for label, users, logins, aggregated in cases:
        raw = synthetic_snapshot(users, logins, aggregated=aggregated)
        parse_s, snap = _best_of(1, lambda raw=raw: parse_snapshot(raw))
        eval_s, result = _best_of(3, lambda snap=snap: evaluate(snap, SETTINGS))
        rows.append(
            {
                "case": label,
                "login_rows": len(raw["sobjects"]["LoginHistory"]),
                "findings": len(result.findings),
                "parse_s": round(parse_s, 3),
                "evaluate_s": round(eval_s, 3),
            }
        )
        print(
            f"  evaluate  {label:<34} rows={rows[-1]['login_rows']:>8}  "
            f"findings={rows[-1]['findings']:>6}  parse={parse_s:6.2f}s  evaluate={eval_s:6.2f}s",
            flush=True,
        )
    return rows


def bench_collect() -> list[dict[str, Any]]:
    """Live collection through the real client over HTTPS against the org simulator."""
    from bench.collect import run_collect_benchmarks

    return run_collect_benchmarks()


def main() -> int:
    print(f"sfscan benchmarks on {platform.python_implementation()} {platform.python_version()}")
    results: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    results["evaluate"] = bench_evaluate()
    results["collect"] = bench_collect()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
