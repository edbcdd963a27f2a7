"""Cold start: each Lambda handler loads only what its own path needs (tracing on, as deployed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "sfscan-test",
    "LAMBDA_TASK_ROOT": "/var/task",
    "POWERTOOLS_SERVICE_NAME": "sfscan",
    "POWERTOOLS_METRICS_NAMESPACE": "sfscan",
    "SFSCAN_TABLE": "findings",
    "SFSCAN_ORG_SECRET_PREFIX": "sfscan/orgs/",
    "SFSCAN_SCAN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/scan",
    "SFSCAN_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:findings",
    "SFSCAN_ENABLE_SECURITY_HUB": "true",
}
WATCHED = (
    "sfscan.collect.collector",
    "simple_salesforce",
    "zeep",
    "sfscan.engine",
    "sfscan.pipeline.publish",
    "sfscan.publish.asff",
    "sfscan.publish.securityhub",
    "sfscan.store.items",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_xray_sdk.core",
)


def loaded_after_import(function: str) -> set[str]:
    paths = [str(ROOT / "functions" / function), str(ROOT / "layers" / "sfscan")]
    code = (
        "import json, sys\n"
        f"sys.path[:0] = {paths!r}\n"
        "import app\n"
        f"print(json.dumps([m for m in {list(WATCHED)!r} if m in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**env, **ENV}, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("function", ["dispatch", "publish"])
def test_dispatch_and_publish_never_load_the_salesforce_collector(function: str) -> None:
    loaded = loaded_after_import(function)
    assert not loaded & {"sfscan.collect.collector", "simple_salesforce", "zeep"}


def test_publish_does_not_load_the_rules_engine() -> None:
    assert "sfscan.engine" not in loaded_after_import("publish")


def test_scan_does_not_load_the_publishing_modules() -> None:
    loaded = loaded_after_import("scan")
    assert not loaded & {"sfscan.pipeline.publish", "sfscan.publish.asff"}
    assert "sfscan.publish.securityhub" not in loaded


def test_dispatch_does_not_load_the_findings_items() -> None:
    assert "sfscan.store.items" not in loaded_after_import("dispatch")


@pytest.mark.parametrize("function", ["scan", "publish"])
def test_batch_handlers_do_not_load_every_powertools_event_class(function: str) -> None:
    loaded = loaded_after_import(function)
    assert "aws_xray_sdk.core" in loaded  # tracing on, as deployed: the check is not vacuous
    assert not loaded & {
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.data_classes",
    }
