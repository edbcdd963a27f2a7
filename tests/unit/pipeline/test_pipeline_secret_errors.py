"""What the scan function records when it cannot read an org's secret: the org's error says what
to do, the scan request is not retried for what only the user can fix, and no secret value is
ever part of the message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.secretsmanager.models import SecretsManagerBackend
from pipeline_fixtures import PREFIX, FakeContext, load_event, load_handler, scan_world
from sfscan.domain.errors import InputError
from sfscan.pipeline import runtime
from sfscan.pipeline.runtime import secret_read_problem
from sfscan.store.dynamodb import FindingsStore

SCAN_ID = "20261128T030000Z-6f1c2a3b"  # events/scan.json, org "demo"
SECRET = PREFIX + "demo"
SUMMARY_ERROR_CHARS = 500  # what a scan summary keeps of an error (scan._failed)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with scan_world(monkeypatch) as (session, _):
        yield session
    runtime.reset()


def recorded_error(session: Any) -> tuple[str, str]:
    assert load_handler("scan").handler(load_event("scan.json"), FakeContext()) == {
        "batchItemFailures": []  # recorded as the org's error, not retried
    }
    summary = FindingsStore(session.client("dynamodb"), "findings").get_summary("demo", SCAN_ID)
    assert summary is not None and not summary.ok, summary
    return summary.error, summary.error_kind


def test_a_deleted_secret_is_the_orgs_recorded_error(aws: Any) -> None:
    aws.client("secretsmanager").delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    error, kind = recorded_error(aws)
    assert kind == "input"
    assert error == f"secret {SECRET} cannot be read (ResourceNotFoundException)"


def test_a_secret_that_cannot_be_decrypted_says_to_set_the_key_parameter(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_a: Any, **_k: Any) -> Any:
        raise JsonRESTError(
            "DecryptionFailure", "Secrets Manager can't decrypt the protected secret text"
        )

    monkeypatch.setattr(SecretsManagerBackend, "get_secret_value", failing)
    error, kind = recorded_error(aws)
    assert kind == "input"
    assert "OrgSecretsKmsKeyArn" in error and "DecryptionFailure" in error
    assert f"describe-secret --secret-id {SECRET} --query KmsKeyId" in error
    assert "s3cr3t-value" not in error


def denied(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetSecretValue")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", "Access to KMS is not allowed"),
        (
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/scan/fn is not authorized to perform: "
            "kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/k-1",
        ),
        ("KMS.AccessDeniedException", "denied"),
        ("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text"),
    ],
)
def test_kms_refusals_name_the_parameter(code: str, message: str) -> None:
    problem = secret_read_problem(SECRET, denied(code, message))
    assert isinstance(problem, InputError)
    text = str(problem)
    assert "\n" not in text and len(text) < SUMMARY_ERROR_CHARS  # kept whole
    assert text.startswith(f"secret {SECRET} cannot be decrypted")
    assert "OrgSecretsKmsKeyArn" in text and code in text


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("sfscan/orgs/kms-team", "AccessDeniedException",
         "User: arn:aws:sts::123456789012:assumed-role/scan/fn is not authorized to perform: "
         "secretsmanager:GetSecretValue on resource: sfscan/orgs/kms-team"),
        (SECRET, "ThrottlingException", "Rate exceeded"),
        (SECRET, "InternalServiceError", "KMS is having a bad day"),
    ],
)  # fmt: skip
def test_other_failures_are_retried_not_blamed_on_the_key(
    name: str, code: str, message: str
) -> None:
    assert secret_read_problem(name, denied(code, message)) is None
    assert secret_read_problem(name, None) is None
