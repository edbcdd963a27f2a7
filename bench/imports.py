"""Cold-start imports: each handler module against the imports it cannot avoid.

Tracing on, as deployed: the Lambda environment variables are set, so Powertools' Tracer loads
the X-Ray SDK and patches. The floor is ``import boto3`` (scan: ``import boto3,
simple_salesforce``). Each figure is the median, over runs, of the ratio of two fresh
interpreters started back to back (one imports the handler, one the floor), so that load on the
shared machine falls on both alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
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
_CHILD = """
import json, sys, time
sys.path[:0] = {paths!r}
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps({{"s": elapsed, "collector": "sfscan.collect.collector" in sys.modules,
    "xray": "aws_xray_sdk" in sys.modules, "modules": len(sys.modules)}}))
"""


def _time_import(module: str, paths: list[str]) -> dict[str, Any]:
    code = _CHILD.format(module=module, paths=paths)
    env = {**os.environ, **ENV}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def measure_handler(name: str) -> dict[str, Any]:
    paths = [str(ROOT / "functions" / name), str(ROOT / "layers" / "sfscan")]
    handler, floor = [], []
    details: dict[str, Any] = {}
    for _ in range(RUNS):  # alternate, so machine noise falls on both alike
        floor.append(_time_import(FLOORS[name], [])["s"])
        details = _time_import("app", paths)
        handler.append(details["s"])
    handler_s, floor_s = statistics.median(handler), statistics.median(floor)
    ratios = [h / f for h, f in zip(handler, floor, strict=True)]
    return {
        "measurement": f"import {name} handler / import {FLOORS[name]}",
        "value": round(statistics.median(ratios), 2),
        "floor": 1.0,
        "goal": 1.5,
        "handler_ms": round(handler_s * 1000),
        "unavoidable_ms": round(floor_s * 1000),
        "loads_collector": details["collector"],
        "tracing_loaded": details["xray"],
    }


def run() -> list[dict[str, Any]]:
    rows = []
    for name in FLOORS:
        row = measure_handler(name)
        rows.append(row)
        print(
            f"  imports   {name:<9} {row['handler_ms']:>5} ms vs {row['unavoidable_ms']:>4} ms"
            f"  ratio {row['value']:.2f}  collector loaded: {row['loads_collector']}",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    run()
