"""`make bench`: measure and report; never fail on a slow machine.

    python -m bench                  # everything (about 15-25 minutes on 2 shared cores)
    python -m bench --only 1k,imports

Every measurement is one record of bench/results/latest.json with its floor (the least it can
cost) and its goal; the table is printed and goes into the README's Performance section.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"
# Filled by the pipeline engineer's write-cost bench (first and unchanged second demo scan).
PIPELINE_HOOK = "bench.pipeline"


def _sections() -> dict[str, Callable[[], list[dict[str, Any]]]]:
    from bench import dispatch, imports, live

    sections: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "demo": lambda: live.run_case(live.DEMO_CASE),
    }
    for case in live.CASES:
        sections[case.key] = lambda case=case: live.run_case(case)  # type: ignore[misc]
    sections["imports"] = imports.run
    sections["dispatch"] = dispatch.run
    sections["pipeline"] = _pipeline
    return sections


def _pipeline() -> list[dict[str, Any]]:
    """DynamoDB / SNS / Security Hub calls and write units of a first and an unchanged second
    demo scan: measured by ``bench/pipeline.py`` when it exists (issue 11's DynamoDB part)."""
    import importlib

    try:
        module = importlib.import_module(PIPELINE_HOOK)
    except ModuleNotFoundError:
        print("  pipeline  not measured here: bench/pipeline.py (DynamoDB write units) is absent")
        return []
    rows: list[dict[str, Any]] = module.run()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help="comma-separated sections (demo,1k,10k,...,imports)")
    args = parser.parse_args(argv)
    sections = _sections()
    chosen = args.only.split(",") if args.only else list(sections)
    unknown = [c for c in chosen if c not in sections]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(sections)}")
    print(f"sfscan benchmarks on {platform.python_implementation()} {platform.python_version()}")
    started = time.perf_counter()
    # A partial run (--only) keeps the other sections' records; a full run replaces them all.
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() and args.only else {}
    old = {r["measurement"]: r for r in previous.get("measurements", []) if "measurement" in r}
    for name in chosen:
        for row in sections[name]():
            row["section"] = name
            old[row["measurement"]] = row
    results = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, shared cores",
        "seconds": round(time.perf_counter() - started),
        "measurements": list(old.values()),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {RESULTS} in {results['seconds']} s")
    from bench.table import markdown

    print(markdown(results["measurements"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
