"""Cold-start imports: each handler module against the imports it cannot avoid.

Tracing on, as deployed: the Lambda environment variables are set (and the caller's
``POWERTOOLS_*`` dropped), so Powertools' Tracer loads the X-Ray SDK and patches. The floor is
``import boto3`` (scan: ``import boto3, simple_salesforce``). Every figure comes from fresh
interpreters, started in alternating pairs (one imports the handler, one the floor; which goes
first alternates too), and both sides read compiled bytecode from one private cache warmed
before measuring, so a caller's ``PYTHONDONTWRITEBYTECODE`` cannot make our modules compile
from source while boto3 reads its installed bytecode.

What is timed is the CPU time of the import (user + system, ``time.process_time``): an import
is single-threaded and, once its files are in the page cache, CPU-bound, so its CPU time is its
cost, while its wall time also counts the waits for a core that other work on a shared machine
causes. Each side's figure is its minimum over the runs; the median of the per-pair ratios and
the ratio of the wall-time minima are kept in the record too.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
FLOORS = {"dispatch": "boto3", "scan": "boto3, simple_salesforce", "publish": "boto3"}
ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "sfscan-bench",
    "LAMBDA_TASK_ROOT": "/var/task",  # X-Ray samples locally in Lambda (no client at import)
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "POWERTOOLS_SERVICE_NAME": "sfscan",
    "POWERTOOLS_METRICS_NAMESPACE": "sfscan",
    "SFSCAN_TABLE": "sfscan-findings",
    "SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs/",
    "SFSCAN_SCAN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/sfscan-scan",
    "SFSCAN_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:sfscan",
    "SFSCAN_ENABLE_SECURITY_HUB": "true",
}
# Settings of the caller that would change what is measured (bytecode, tracing, module path).
DROPPED = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH", "POWERTOOLS_")
_CHILD = """
import json, os, sys, time
sys.path[:0] = {paths!r}
start, cpu = time.perf_counter(), time.process_time()
import {module}
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
ours = [m for n, m in list(sys.modules.items()) if n.split(".")[0] in ("app", "sfscan", "boto3")]
cached = all(os.path.exists(m.__cached__) for m in ours if getattr(m, "__cached__", None))
print(json.dumps({{"s": elapsed, "cpu": cpu, "collector": "sfscan.collect.collector" in sys.modules,
    "xray": "aws_xray_sdk" in sys.modules, "modules": len(sys.modules), "bytecode": cached}}))
"""


def child_env(cache: str) -> dict[str, str]:
    """The caller's environment without what changes the measurement, plus the Lambda one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED)}
    return {**env, **ENV, "PYTHONPYCACHEPREFIX": cache}


def _time_import(module: str, paths: list[str], env: dict[str, str]) -> dict[str, Any]:
    code = _CHILD.format(module=module, paths=paths)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _pairs(name: str, runs: int, env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    paths = [str(ROOT / "functions" / name), str(ROOT / "layers" / "sfscan")]
    sides = {"handler": ("app", paths), "floor": (FLOORS[name], [])}
    for module, where in sides.values():  # warm the bytecode cache; not measured
        _time_import(module, where, env)
    results: dict[str, list[dict[str, Any]]] = {"handler": [], "floor": []}
    order = list(sides)
    for _ in range(runs):
        order.reverse()  # alternate which side goes first, so drift falls on both alike
        for side in order:
            results[side].append(_time_import(*sides[side], env))
    return results


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def measure_handler(name: str, runs: int = RUNS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sfscan-bench-pyc-") as cache:
        results = _pairs(name, runs, child_env(cache))
    handler = [r["cpu"] for r in results["handler"]]
    floor = [r["cpu"] for r in results["floor"]]
    ratios = [h / f for h, f in zip(handler, floor, strict=True)]
    wall = {side: min(r["s"] for r in rows) for side, rows in results.items()}
    last = results["handler"][-1]
    return {
        "measurement": f"import {name} handler / import {FLOORS[name]}",
        "value": round(min(handler) / min(floor), 2),
        "floor": 1.0,
        "goal": 1.5,
        "handler_ms": _ms(min(handler)),
        "unavoidable_ms": _ms(min(floor)),
        "median_ratio": round(statistics.median(ratios), 2),
        "wall_ms": [_ms(wall["handler"]), _ms(wall["floor"])],
        "wall_ratio": round(wall["handler"] / wall["floor"], 2),
        "runs": runs,
        "loads_collector": last["collector"],
        "tracing_loaded": last["xray"],
        "bytecode_cached": all(r["bytecode"] for side in results.values() for r in side),
    }


def run() -> list[dict[str, Any]]:
    rows = []
    for name in FLOORS:
        row = measure_handler(name)
        rows.append(row)
        print(
            f"  imports   {name:<9} {row['handler_ms']:>5} ms vs {row['unavoidable_ms']:>4} ms"
            f" CPU  ratio {row['value']:.2f} (median of pairs {row['median_ratio']:.2f},"
            f" wall {row['wall_ratio']:.2f})"
            f"  collector loaded: {row['loads_collector']}",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    run()
