"""The dispatch function's AWS calls for a fleet of 1,000 registered orgs (boto3 against moto).

Floor: ListSecrets returns at most 100 secrets a page, SendMessageBatch takes at most 10
messages: ceil(1000 / 100) + ceil(1000 / 10) = 110 calls.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

ORGS = 1000
PREFIX = "sfscan/orgs/"


def _count_calls(client: Any, counter: Counter[str]) -> None:
    def count(model: Any, **_: Any) -> None:
        counter[model.name] += 1

    client.meta.events.register("before-call.*.*", count)


def run() -> list[dict[str, Any]]:
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws
    from sfscan.pipeline import runtime
    from sfscan.pipeline.config import DispatchConfig
    from sfscan.pipeline.dispatch import dispatch_scan_run

    with mock_aws():
        session = boto3.session.Session()
        queue_url = session.client("sqs").create_queue(QueueName="scan")["QueueUrl"]
        secrets = session.client("secretsmanager")
        for n in range(ORGS):
            secrets.create_secret(Name=f"{PREFIX}org-{n:04d}", SecretString="{}")
        runtime.reset()
        config = DispatchConfig(org_secret_prefix=PREFIX, scan_queue_url=queue_url)
        deps = runtime.dispatch_runtime(config)
        calls: Counter[str] = Counter()
        _count_calls(deps.secrets, calls)
        _count_calls(deps.queue._sqs, calls)
        result = dispatch_scan_run(
            {}, list_orgs=deps.list_orgs, queue=deps.queue, now=datetime.now(UTC)
        )
        runtime.reset()
    floor = math.ceil(ORGS / 100) + math.ceil(ORGS / 10)
    total = sum(calls.values())
    row = {
        "measurement": f"dispatch: AWS calls for {ORGS} org secrets",
        "value": total,
        "floor": floor,
        "ratio": round(total / floor, 3),
        "goal": "ratio <= 1.05",
        "calls": dict(calls),
        "orgs_queued": len(result.orgs),
    }
    print(f"  dispatch  {total} AWS calls for {ORGS} orgs (floor {floor}): {dict(calls)}")
    return [row]
