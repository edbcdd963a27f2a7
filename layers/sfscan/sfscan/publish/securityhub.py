"""Security Hub adapter: BatchImportFindings in valid batches, with retries that respect throttling,
and BatchUpdateFindings for the workflow changes that follow sfscan's suppressions.

A call can return HTTP 200 while some findings failed (``FailedFindings``, ``UnprocessedFindings``),
so every response is inspected. Findings that failed for a transient reason are re-sent with
exponential back-off; the rest are reported back to the caller, who keeps them in its own retry
path (the store's stream).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.publish.asff_validate import (
    MAX_BATCH_BYTES,
    MAX_BATCH_FINDINGS,
    serialized_size,
    validate_batch,
    validate_finding,
)
from sfscan.publish.errors import SecurityHubNotEnabledError, SecurityHubPublishError
from sfscan.publish.workflow import MAX_UPDATE_IDENTIFIERS, NOTE_AUTHOR, WorkflowUpdate

THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "LimitExceededException"}
)
# Server-side trouble: the same request may well succeed a moment later.
SERVER_ERROR_CODES = frozenset({"InternalException", "InternalFailure", "ServiceUnavailable"})
ACCESS_CODES = frozenset({"InvalidAccessException", "AccessDeniedException"})
_TRANSIENT_MARKERS = (
    "throttl",
    "toomanyrequests",
    "limitexceeded",
    "internal",
    "unavailable",
    "timeout",
    "tryagain",
)
# The {"Findings": [...]} envelope and the request's own overhead.
_ENVELOPE_BYTES = 64 * 1024
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 20.0


@dataclass(frozen=True)
class ImportReport:
    """What happened to one ``import_findings`` call.

    ``failed`` maps finding Id to the reason it was not imported (invalid ASFF, a permanent
    Security Hub error, or a transient one that outlived every attempt).
    """

    imported: int
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0


@dataclass(frozen=True)
class UpdateReport:
    """What happened to one ``update_workflows`` call.

    ``not_found`` are findings Security Hub does not hold (yet): the import just created them, and
    creation already set the workflow. ``failed`` maps finding Id to why it was not updated.
    """

    updated: int
    not_found: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0


def is_transient_error_code(code: str) -> bool:
    """Whether a FailedFindings ErrorCode is worth sending again."""
    lowered = code.lower()
    return any(marker in lowered for marker in _TRANSIENT_MARKERS)


def backoff_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 0.5, 1, 2, 4 ... 20."""
    return float(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1)))


def batches(findings: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches of at most 100 findings and at most 6 MB on the wire."""
    budget = MAX_BATCH_BYTES - _ENVELOPE_BYTES
    batch: list[dict[str, Any]] = []
    size = 0
    for finding in findings:
        finding_size = serialized_size(finding) + 1  # the comma between findings
        if batch and (len(batch) == MAX_BATCH_FINDINGS or size + finding_size > budget):
            yield batch
            batch, size = [], 0
        batch.append(finding)
        size += finding_size
    if batch:
        yield batch


class SecurityHubPublisher:
    """Imports ASFF findings into the Security Hub of the client's account and region.

    ``client`` is a boto3 ``securityhub`` client; ``sleep`` is injectable so tests need no clock.
    """

    def __init__(
        self,
        client: Any,
        *,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._client = client
        self._max_attempts = max_attempts
        self._sleep = sleep

    def import_findings(self, findings: Sequence[dict[str, Any]]) -> ImportReport:
        """Import every finding; never raises because some findings failed.

        Raises SecurityHubNotEnabledError when Security Hub refuses access to all of them, and
        SecurityHubPublishError when AWS cannot be reached at all.
        """
        failed: dict[str, str] = {}
        # One Id once per call: the last version wins, as it would on the service.
        latest: dict[str, dict[str, Any]] = {}
        for index, finding in enumerate(findings):
            problems = validate_finding(finding)
            finding_id = str(finding.get("Id") or f"#{index}")
            if problems:
                failed[finding_id] = "invalid ASFF: " + "; ".join(problems)
            else:
                latest[finding_id] = finding
        imported = 0
        calls = 0
        for batch in batches(list(latest.values())):
            validate_batch(batch)  # a guard against a batching bug, not against bad input
            batch_imported, batch_failed, batch_calls = self._import_batch(batch)
            imported += batch_imported
            failed.update(batch_failed)
            calls += batch_calls
        return ImportReport(imported=imported, failed=failed, calls=calls)

    def _import_batch(self, batch: list[dict[str, Any]]) -> tuple[int, dict[str, str], int]:
        pending = batch
        failed: dict[str, str] = {}
        imported = 0
        calls = 0
        for attempt in range(1, self._max_attempts + 1):
            calls += 1
            last_attempt = attempt == self._max_attempts
            try:
                response = self._client.batch_import_findings(Findings=pending)
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code in ACCESS_CODES:
                    raise self._access_error(code) from error
                transient = code in THROTTLING_CODES or code in SERVER_ERROR_CODES
                if transient and not last_attempt:
                    self._sleep(backoff_delay(attempt))
                    continue
                message = str(error.response.get("Error", {}).get("Message", ""))
                reason = f"{code or 'ClientError'}: {message or 'BatchImportFindings failed'}"
                if transient:
                    reason += f" (gave up after {attempt} attempts)"
                failed.update({str(f["Id"]): reason for f in pending})
                return imported, failed, calls
            except BotoCoreError as error:
                raise SecurityHubPublishError(
                    f"Security Hub could not be reached in {self._region()}: "
                    f"{type(error).__name__}; the findings will be sent again on retry"
                ) from error

            refused = {
                str(item.get("Id")): (
                    str(item.get("ErrorCode", "")),
                    str(item.get("ErrorMessage", "")),
                )
                for item in response.get("FailedFindings") or []
            }
            if refused and len(refused) == len(pending):
                codes = {code for code, _ in refused.values()}
                if codes <= {"InvalidAccess", "AccessDeniedException", "InvalidAccessException"}:
                    raise self._access_error(codes.pop())
            imported += len(pending) - len(refused)
            retry: list[dict[str, Any]] = []
            for finding in pending:
                outcome = refused.get(str(finding["Id"]))
                if outcome is None:
                    continue
                code, message = outcome
                if is_transient_error_code(code) and not last_attempt:
                    retry.append(finding)
                else:
                    suffix = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                    failed[str(finding["Id"])] = f"{code}: {message}".strip(": ") + suffix
            if not retry:
                break
            pending = retry
            self._sleep(backoff_delay(attempt))
        return imported, failed, calls

    def update_workflows(self, updates: Sequence[WorkflowUpdate]) -> UpdateReport:
        """Set each finding's workflow status and note; one call per (status, note) and at most
        100 findings. Never raises because some findings were not updated.

        Raises SecurityHubNotEnabledError when access is refused, and SecurityHubPublishError when
        AWS cannot be reached at all.
        """
        groups: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
        for update in updates:
            ids = groups.setdefault((update.status.value, update.note), {})
            ids[update.finding_id] = {"Id": update.finding_id, "ProductArn": update.product_arn}
        updated, calls = 0, 0
        not_found: list[str] = []
        failed: dict[str, str] = {}
        for (status, note), identifiers in groups.items():
            listed = list(identifiers.values())
            for start in range(0, len(listed), MAX_UPDATE_IDENTIFIERS):
                batch = listed[start : start + MAX_UPDATE_IDENTIFIERS]
                done, missing, refused, batch_calls = self._update_batch(batch, status, note)
                updated += done
                not_found.extend(missing)
                failed.update(refused)
                calls += batch_calls
        return UpdateReport(updated=updated, not_found=tuple(not_found), failed=failed, calls=calls)

    def _update_batch(
        self, identifiers: list[dict[str, str]], status: str, note: str
    ) -> tuple[int, list[str], dict[str, str], int]:
        pending = identifiers
        updated, calls = 0, 0
        not_found: list[str] = []
        failed: dict[str, str] = {}
        for attempt in range(1, self._max_attempts + 1):
            calls += 1
            last_attempt = attempt == self._max_attempts
            try:
                response = self._client.batch_update_findings(
                    FindingIdentifiers=pending,
                    Workflow={"Status": status},
                    Note={"Text": note, "UpdatedBy": NOTE_AUTHOR},
                )
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code in ACCESS_CODES:
                    raise self._update_access_error(code) from error
                transient = code in THROTTLING_CODES or code in SERVER_ERROR_CODES
                if transient and not last_attempt:
                    self._sleep(backoff_delay(attempt))
                    continue
                message = str(error.response.get("Error", {}).get("Message", ""))
                reason = f"{code or 'ClientError'}: {message or 'BatchUpdateFindings failed'}"
                if transient:
                    reason += f" (gave up after {attempt} attempts)"
                failed.update({i["Id"]: reason for i in pending})
                return updated, not_found, failed, calls
            except BotoCoreError as error:
                raise SecurityHubPublishError(
                    f"Security Hub could not be reached in {self._region()}: "
                    f"{type(error).__name__}; the workflow updates will be sent again on retry"
                ) from error

            retry: list[dict[str, str]] = []
            unprocessed = response.get("UnprocessedFindings") or []
            for item in unprocessed:
                identifier = item.get("FindingIdentifier") or {}
                finding = str(identifier.get("Id", ""))
                code = str(item.get("ErrorCode", ""))
                if code == "FindingNotFound":
                    not_found.append(finding)
                elif (is_transient_error_code(code) or code == "ConcurrentUpdateError") and (
                    not last_attempt
                ):
                    retry.append({"Id": finding, "ProductArn": str(identifier.get("ProductArn"))})
                else:
                    suffix = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                    message = str(item.get("ErrorMessage", ""))
                    failed[finding] = f"{code}: {message}".strip(": ") + suffix
            updated += len(pending) - len(unprocessed)
            if not retry:
                break
            pending = retry
            self._sleep(backoff_delay(attempt))
        return updated, not_found, failed, calls

    def _update_access_error(self, code: str) -> SecurityHubNotEnabledError:
        return SecurityHubNotEnabledError(
            f"Security Hub refused to update findings in {self._region()} ({code}): enable "
            "Security Hub CSPM in this account and region, and allow "
            "securityhub:BatchUpdateFindings on hub/default for the publishing role"
        )

    def _region(self) -> str:
        meta = getattr(self._client, "meta", None)
        return str(getattr(meta, "region_name", None) or "this region")

    def _access_error(self, code: str) -> SecurityHubNotEnabledError:
        return SecurityHubNotEnabledError(
            f"Security Hub refused every finding in {self._region()} ({code}): enable Security Hub "
            "CSPM in this account and region, and allow securityhub:BatchImportFindings on "
            "product/<account>/default for the publishing role"
        )
