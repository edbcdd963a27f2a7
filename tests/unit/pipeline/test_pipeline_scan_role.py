"""The scan function's IAM role, from template.yaml, is enough for the real scan handler: moto
enforces exactly the role's statements while the handler scans an org, so an AWS call the code
makes and the role lacks fails here instead of in a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from pipeline_fixtures import (
    ROOT,
    FakeContext,
    load_event,
    load_handler,
    make_snapshot,
    scan_world,
)
from sfscan.pipeline import runtime
from sfscan.store.dynamodb import FindingsStore


def scan_role_statements() -> list[dict[str, Any]]:
    """The role's statements with every resource opened up (moto cannot resolve !GetAtt); what
    is checked here is the list of actions."""
    tpl = cfn_yaml.load(str(ROOT / "template.yaml"))
    [policy] = [
        p
        for p in tpl["Resources"]["ScanFunctionRole"]["Properties"]["Policies"]
        if "PolicyName" in p
    ]
    out = []
    for stmt in policy["PolicyDocument"]["Statement"]:
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        out.append({"Effect": "Allow", "Action": list(actions), "Resource": "*"})
    # AWS authorizes a transaction's items as PutItem/ConditionCheckItem; moto asks for this name.
    out.append({"Effect": "Allow", "Action": "dynamodb:TransactWriteItems", "Resource": "*"})
    return out


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with scan_world(monkeypatch) as (session, _):
        iam = session.client("iam")
        iam.create_user(UserName="scan-function")
        iam.put_user_policy(
            UserName="scan-function",
            PolicyName="ScanOrgs",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": scan_role_statements()}
            ),
        )
        key = iam.create_access_key(UserName="scan-function")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)
        yield session
    runtime.reset()


def test_the_scan_handler_needs_nothing_beyond_its_role(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("BYPASS"))
    scan = load_handler("scan")
    assert scan.handler(load_event("scan.json"), FakeContext()) == {"batchItemFailures": []}
    # A rescan of the fixed org resolves the finding: reads, claim and transactions all allowed.
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("ENFORCE"))
    event = load_event("scan.json")
    body = json.loads(event["Records"][0]["body"])
    event["Records"][0]["body"] = json.dumps({**body, "scan_id": "20261129T030000Z-00000002"})
    assert scan.handler(event, FakeContext()) == {"batchItemFailures": []}

    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
    store = FindingsStore(aws.client("dynamodb"), "findings")
    first = store.get_summary("demo", "20261128T030000Z-6f1c2a3b")
    second = store.get_summary("demo", "20261129T030000Z-00000002")
    assert first is not None and first.ok and first.opened == 1, first
    assert second is not None and second.ok and second.resolved == 1, second
