"""The scan function's IAM role, from template.yaml, is enough for the real scan handler: moto
enforces exactly the role's statements while the handler scans an org, so an AWS call the code
makes and the role lacks fails here instead of in a deployed stack.

moto keeps a secret's KmsKeyId but never asks KMS on GetSecretValue; AWS does, with the caller's
permissions. ``decrypt_like_secrets_manager`` adds that check: for a secret under a
customer-managed key, ``kms:Decrypt`` on that key with ``kms:ViaService`` set to Secrets Manager,
judged by moto's own IAM policy evaluator on the role's real statement (resource and condition).
The key policy, which AWS also checks, is not modelled (the default one defers to IAM)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.kms.models import kms_backends
from moto.secretsmanager.models import SecretsManagerBackend
from pipeline_fixtures import (
    PREFIX,
    REGION,
    ROOT,
    FakeContext,
    load_event,
    load_handler,
    make_snapshot,
    scan_world,
)
from sfscan.pipeline import runtime
from sfscan.store.dynamodb import FindingsStore

SCAN_ID = "20261128T030000Z-6f1c2a3b"  # events/scan.json
SECRET = PREFIX + "demo"


def scan_role_statements(org_secrets_key: str = "") -> list[dict[str, Any]]:
    """The role's statements for this OrgSecretsKmsKeyArn. Resources are opened up (moto cannot
    resolve !GetAtt) except the KMS statement's, which keeps its key and condition."""
    tpl = cfn_yaml.load(str(ROOT / "template.yaml"))
    [policy] = [
        p
        for p in tpl["Resources"]["ScanFunctionRole"]["Properties"]["Policies"]
        if "PolicyName" in p
    ]
    out = []
    for stmt in policy["PolicyDocument"]["Statement"]:
        if "Fn::If" in stmt:  # the only condition in this policy: the org secrets' key is given
            condition, given, _ = stmt["Fn::If"]
            assert condition == "HasOrgSecretsKey", condition
            if org_secrets_key:
                out.append(_kms_statement(given, org_secrets_key))
            continue
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        out.append({"Effect": "Allow", "Action": list(actions), "Resource": "*"})
    # AWS authorizes a transaction's items as PutItem/ConditionCheckItem; moto asks for this name.
    out.append({"Effect": "Allow", "Action": "dynamodb:TransactWriteItems", "Resource": "*"})
    return out


def _kms_statement(stmt: dict[str, Any], key_arn: str) -> dict[str, Any]:
    assert stmt["Resource"] == {"Ref": "OrgSecretsKmsKeyArn"}
    [(operator, values)] = stmt["Condition"].items()
    resolved = {k: v["Fn::Sub"].replace("${AWS::Region}", REGION) for k, v in values.items()}
    return {
        "Effect": stmt["Effect"],
        "Action": stmt["Action"],
        "Resource": key_arn,
        "Condition": {operator: resolved},
    }


def decrypt_like_secrets_manager(monkeypatch: pytest.MonkeyPatch, policy: dict[str, Any]) -> None:
    original = SecretsManagerBackend.get_secret_value

    def get_secret_value(self: SecretsManagerBackend, secret_id: str, **kwargs: Any) -> Any:
        key_id = self.describe_secret(secret_id).kms_key_id
        if key_id and key_id != SecretsManagerBackend.DEFAULT_KMS_KEY_ALIAS:
            key_arn = kms_backends[self.account_id][self.region_name].describe_key(key_id).arn
            allowed = IAMPolicy(json.dumps(policy)).is_action_permitted(
                "kms:Decrypt",
                key_arn,
                incoming_condition_values={
                    "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"
                },
            )
            if allowed is not PermissionResult.PERMITTED:  # AWS's answer, word for word
                raise JsonRESTError("AccessDeniedException", "Access to KMS is not allowed")
        return original(self, secret_id, **kwargs)

    monkeypatch.setattr(SecretsManagerBackend, "get_secret_value", get_secret_value)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with scan_world(monkeypatch) as (session, _):
        yield session
    runtime.reset()


def enforce_scan_role(
    session: Any, monkeypatch: pytest.MonkeyPatch, org_secrets_key: str = ""
) -> None:
    """From here on, every AWS call is made with exactly the scan role's permissions."""
    policy = {"Version": "2012-10-17", "Statement": scan_role_statements(org_secrets_key)}
    iam = session.client("iam")
    iam.create_user(UserName="scan-function")
    iam.put_user_policy(
        UserName="scan-function", PolicyName="ScanOrgs", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="scan-function")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    decrypt_like_secrets_manager(monkeypatch, policy)
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)


def stop_enforcing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))


def encrypt_org_secret_with_new_key(session: Any) -> str:
    """A customer-managed key, now encrypting the org's secret; its ARN."""
    arn: str = session.client("kms").create_key(Description="org secrets")["KeyMetadata"]["Arn"]
    session.client("secretsmanager").update_secret(SecretId=SECRET, KmsKeyId=arn)
    return arn


def test_the_scan_handler_needs_nothing_beyond_its_role(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    enforce_scan_role(aws, monkeypatch)
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("BYPASS"))
    scan = load_handler("scan")
    assert scan.handler(load_event("scan.json"), FakeContext()) == {"batchItemFailures": []}
    # A rescan of the fixed org resolves the finding: reads, claim and transactions all allowed.
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("ENFORCE"))
    event = load_event("scan.json")
    body = json.loads(event["Records"][0]["body"])
    event["Records"][0]["body"] = json.dumps({**body, "scan_id": "20261129T030000Z-00000002"})
    assert scan.handler(event, FakeContext()) == {"batchItemFailures": []}

    stop_enforcing(monkeypatch)
    store = FindingsStore(aws.client("dynamodb"), "findings")
    first = store.get_summary("demo", SCAN_ID)
    second = store.get_summary("demo", "20261129T030000Z-00000002")
    assert first is not None and first.ok and first.opened == 1, first
    assert second is not None and second.ok and second.resolved == 1, second


def test_a_secret_under_a_customer_managed_key_is_read_with_the_parameter(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_arn = encrypt_org_secret_with_new_key(aws)
    enforce_scan_role(aws, monkeypatch, org_secrets_key=key_arn)
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *_a, **_k: make_snapshot("BYPASS"))
    assert load_handler("scan").handler(load_event("scan.json"), FakeContext()) == {
        "batchItemFailures": []
    }
    stop_enforcing(monkeypatch)
    summary = FindingsStore(aws.client("dynamodb"), "findings").get_summary("demo", SCAN_ID)
    assert summary is not None and summary.ok and summary.opened == 1, summary


@pytest.mark.parametrize("granted", ["none", "another key"])
def test_without_the_key_the_orgs_error_says_to_set_the_parameter(
    aws: Any, monkeypatch: pytest.MonkeyPatch, granted: str
) -> None:
    encrypt_org_secret_with_new_key(aws)
    other = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    enforce_scan_role(aws, monkeypatch, org_secrets_key=other if granted == "another key" else "")
    collected: list[Any] = []
    monkeypatch.setattr(runtime, "collect_snapshot", lambda *a, **_k: collected.append(a))
    # Recorded as the org's error, not retried: a redeploy, not a retry, fixes it.
    assert load_handler("scan").handler(load_event("scan.json"), FakeContext()) == {
        "batchItemFailures": []
    }
    stop_enforcing(monkeypatch)
    summary = FindingsStore(aws.client("dynamodb"), "findings").get_summary("demo", SCAN_ID)
    assert summary is not None and not summary.ok and summary.error_kind == "input", summary
    assert "OrgSecretsKmsKeyArn" in summary.error and SECRET in summary.error
    assert "Access to KMS is not allowed" in summary.error
    assert "s3cr3t-value" not in summary.error and not collected
    assert summary.opened == 0 and summary.resolved == 0


KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(
    ("via", "key", "allowed"),
    [
        (f"secretsmanager.{REGION}.amazonaws.com", KEY, True),
        ("secretsmanager.eu-west-1.amazonaws.com", KEY, False),  # another region's service
        (f"ssm.{REGION}.amazonaws.com", KEY, False),  # another service using the same key
        (f"secretsmanager.{REGION}.amazonaws.com", KEY[:-1] + "c", False),  # another key
    ],
)
def test_the_key_decrypts_only_through_secrets_manager_here(
    via: str, key: str, allowed: bool
) -> None:
    policy = {"Version": "2012-10-17", "Statement": scan_role_statements(KEY)}
    result = IAMPolicy(json.dumps(policy)).is_action_permitted(
        "kms:Decrypt", key, incoming_condition_values={"kms:ViaService": via}
    )
    assert (result is PermissionResult.PERMITTED) is allowed
    assert not any(s["Action"] == "kms:Decrypt" for s in scan_role_statements(""))
