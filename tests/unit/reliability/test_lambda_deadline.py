"""In Lambda the scan stops before the function is killed, so the org's error is recorded:
the real scan handler on moto, collecting from a slow org simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_fixtures import PREFIX, Aws, aws_env, create_resources, load_event, load_handler
from reliab_kit import demo, secret_data
from sfscan.collect.deadline import lambda_time_limit
from sfscan.pipeline import runtime
from sfscan.store.dynamodb import FindingsStore

from orgsim import Faults, OrgSimulator


@dataclass
class ShortContext:
    """A Lambda context with little time left."""

    remaining_ms: int
    function_name: str = "sfscan-scan"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:sfscan-scan"
    aws_request_id: str = "req-deadline"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def slow_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Aws]]:
    aws_env(monkeypatch)
    runtime.reset()
    with OrgSimulator(demo()) as sim, mock_aws():
        # The login answers at once; every API answer then sends one byte per 10 minutes.
        sim.set_faults(Faults(drip_on=frozenset(range(1, 500)), drip_interval_ms=600_000))
        session = boto3.session.Session()
        res = create_resources(session)
        session.client("secretsmanager").create_secret(
            Name=PREFIX + "demo", SecretString=json.dumps(secret_data(sim))
        )
        for name, value in {
            "SFSCAN_TABLE": res.table,
            "SFSCAN_ORG_SECRET_PREFIX": PREFIX,
            "SFSCAN_ALLOWED_HOSTS": sim.login_url.removeprefix("https://"),
            "SFSCAN_CA_BUNDLE": sim.ca_bundle,
        }.items():
            monkeypatch.setenv(name, value)
        yield session, res
    runtime.reset()


def test_a_scan_running_out_of_lambda_time_records_the_org_error(
    slow_org: tuple[Any, Aws],
) -> None:
    session, res = slow_org
    # 2 s left: the scan may take 1.5 s; the first API answer alone would take hours.
    out = load_handler("scan").handler(load_event("scan.json"), ShortContext(2000))
    assert out == {"batchItemFailures": []}  # recorded, not retried into the DLQ
    summary = FindingsStore(session.client("dynamodb"), res.table).get_summary(
        "demo", "20261128T030000Z-6f1c2a3b"
    )
    assert summary is not None and not summary.ok
    assert summary.error_kind == "incomplete"
    assert "did not finish within its time limit (the Lambda time left" in summary.error


@pytest.mark.parametrize(
    ("remaining_ms", "limit_s"),
    [(600_000, 540.0), (120_000, 90.0), (2_000, 1.5), (0, 0.1)],
)
def test_the_lambda_margin_is_a_quarter_of_the_time_left_at_most_a_minute(
    remaining_ms: int, limit_s: float
) -> None:
    assert lambda_time_limit(remaining_ms) == limit_s
