"""The composition root: the only place that builds AWS clients and wires the use cases.

Handlers read and validate their config at cold start (import); the clients are built on the
first invocation (never at import time) and reused by later invocations of the same
container. ``reset()`` drops everything, for tests and the demo, which change the environment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from sfscan.domain.errors import InputError
from sfscan.pipeline.config import (
    AWS_RETRIES,
    SECRET_MAX_AGE_SECONDS,
    DispatchConfig,
    PublishConfig,
    ScanConfig,
)

if TYPE_CHECKING:  # imported where used: each function loads only what its path needs
    from sfscan.collect.credentials import OrgCredentials
    from sfscan.domain.settings import Settings
    from sfscan.domain.snapshot import Snapshot
    from sfscan.pipeline.dispatch import RegisteredOrg, ScanQueue
    from sfscan.pipeline.publish import PublishDeps
    from sfscan.pipeline.scan import ScanDeps

_RETRIES = Config(retries=AWS_RETRIES)  # type: ignore[arg-type]


def utc_now() -> datetime:
    return datetime.now(UTC)


def client(service: str) -> Any:
    """A boto3 client with standard retries; endpoint and region come from the environment."""
    return boto3.session.Session().client(service, config=_RETRIES)  # type: ignore[call-overload]


def collect_snapshot(credentials: OrgCredentials, **options: Any) -> Snapshot:
    """The collector, loaded by the scan function only (dispatch and publish never read orgs)."""
    from sfscan.collect.collector import collect_snapshot as collect

    return collect(credentials, **options)


def read_org_secret(name: str) -> Any:
    """The secret's JSON through Powertools' cache (max age SECRET_MAX_AGE_SECONDS).

    A missing secret, one that is not JSON or one the scan function may not decrypt is the org's
    problem (InputError, recorded); any other failure (throttling, network) propagates so the
    scan request is retried.
    """
    from aws_lambda_powertools.utilities import parameters

    try:
        return parameters.get_secret(name, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
    except parameters.TransformParameterError:
        raise InputError(f"secret {name} is not valid JSON; re-register the org") from None
    except parameters.GetParameterError as exc:
        # Powertools raises its error inside its except block: the ClientError is the context.
        problem = secret_read_problem(name, exc.__cause__ or exc.__context__)
        if problem is not None:
            raise problem from None
        raise


# Secrets Manager's answers when the caller may not use the secret's KMS key: AccessDenied
# "Access to KMS is not allowed", or DecryptionFailure; KMS's own codes where a client reports
# them with the service prefix.
_KMS_CODES = frozenset(
    {"DecryptionFailure", "KMS.AccessDeniedException", "KMSAccessDeniedException"}
)
_UNREADABLE_CODES = frozenset({"ResourceNotFoundException", "InvalidRequestException"})


def secret_read_problem(name: str, error: BaseException | None) -> InputError | None:
    """The org's recorded error for a GetSecretValue failure it must fix (None: retry it).

    Only the error code and AWS's message are used; the secret's value is never read here.
    """
    details = getattr(error, "response", None)
    err = details.get("Error", {}) if isinstance(details, dict) else {}
    code, message = str(err.get("Code", "")), str(err.get("Message", ""))
    # The secret's name may itself contain "kms"; only the rest of AWS's message counts.
    about_kms = "kms" in message.replace(name, "").lower()
    if code in _KMS_CODES or (code == "AccessDeniedException" and about_kms):
        return InputError(
            f"secret {name} cannot be decrypted: the scan function may not use its KMS key. "
            "Deploy the stack with OrgSecretsKmsKeyArn set to that key (aws secretsmanager "
            f"describe-secret --secret-id {name} --query KmsKeyId); the key must be enabled and "
            f"its key policy must allow this account's IAM policies ({code}: "
            f"{' '.join(message.split())[:160]})"
        )
    if code in _UNREADABLE_CODES:
        return InputError(f"secret {name} cannot be read ({code})")
    return None


@dataclass(frozen=True)
class DispatchRuntime:
    config: DispatchConfig
    queue: ScanQueue
    secrets: Any

    def list_orgs(self) -> list[RegisteredOrg]:
        from sfscan.pipeline.dispatch import list_registered_orgs

        return list_registered_orgs(self.secrets, self.config.org_secret_prefix)


@dataclass(frozen=True)
class ScanRuntime:
    config: ScanConfig
    deps: ScanDeps


@functools.cache
def dispatch_runtime(config: DispatchConfig) -> DispatchRuntime:
    from sfscan.pipeline.dispatch import ScanQueue

    return DispatchRuntime(
        config=config,
        queue=ScanQueue(client("sqs"), config.scan_queue_url),
        secrets=client("secretsmanager"),
    )


@functools.cache
def scan_runtime(config: ScanConfig) -> ScanRuntime:
    from sfscan.collect.hosts import HostPolicy
    from sfscan.collect.progress import log_progress
    from sfscan.pipeline.scan import ScanDeps
    from sfscan.store.dynamodb import FindingsStore
    from sfscan.store.org_settings import OrgSettingsStore

    policy = HostPolicy(config.allowed_hosts)

    def collect(credentials: OrgCredentials) -> Snapshot:
        # The scan function's JSON logger (a child: same service, format and keys, e.g. org_name).
        progress, budget = log_progress(Logger(child=True).info)
        return collect_snapshot(
            credentials,
            host_policy=policy,
            ca_bundle=config.ca_bundle,
            progress=progress,
            budget=budget,
        )

    ddb = client("dynamodb")
    store = FindingsStore(ddb, config.table, history_days=config.history_days)
    org_settings = OrgSettingsStore(ddb, config.table)

    def read_settings(org_name: str) -> Settings | None:
        stored = org_settings.get(org_name)
        return None if stored is None else stored.settings

    deps = ScanDeps(
        store=store,
        read_secret=read_org_secret,
        collect=collect,
        clock=utc_now,
        read_settings=read_settings,
    )
    return ScanRuntime(config=config, deps=deps)


@functools.cache
def publish_runtime(config: PublishConfig, function_arn: str) -> PublishDeps:
    from sfscan.pipeline.publish import AwsLocation, PublishDeps
    from sfscan.publish.securityhub import SecurityHubPublisher
    from sfscan.publish.sns import SnsPublisher
    from sfscan.store.dynamodb import FindingsStore

    hub = SecurityHubPublisher(client("securityhub")) if config.enable_security_hub else None
    return PublishDeps(
        store=FindingsStore(client("dynamodb"), config.table),
        notifier=SnsPublisher(client("sns"), config.topic_arn),
        security_hub=hub,
        location=AwsLocation.from_function_arn(function_arn),
        clock=utc_now,
    )


def reset() -> None:
    """Forget every client, config and cached secret (tests, the demo)."""
    from aws_lambda_powertools.utilities import parameters

    dispatch_runtime.cache_clear()
    scan_runtime.cache_clear()
    publish_runtime.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
