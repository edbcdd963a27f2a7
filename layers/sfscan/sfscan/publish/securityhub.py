"""Security Hub adapter: BatchImportFindings in valid batches, and BatchUpdateFindings for the
workflow changes that follow sfscan's suppressions.

A call can return HTTP 200 while some findings failed (``FailedFindings``, ``UnprocessedFindings``),
so every response is inspected and what was refused is reported back to the caller, who fails
the stream record: its retry (and, when every retry fails, the next publish of the org) sends
those findings again. Throttling and server errors are retried by botocore's standard retry
mode, configured on the client (sfscan.pipeline.runtime): one retry layer, one back-off formula.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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

ACCESS_CODES = frozenset({"InvalidAccessException", "AccessDeniedException"})
# The {"Findings": [...]} envelope and the request's own overhead.
_ENVELOPE_BYTES = 64 * 1024


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

    ``client`` is a boto3 ``securityhub`` client. Retrying is botocore's job (the client's
    standard retry mode retries throttling and server errors with back-off); this class makes
    one call per batch and reports what the response refused, so there is one retry layer.
    What is still refused fails the stream record, which the event source mapping retries.
    """

    def __init__(self, client: Any) -> None:
        self._client = client

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
            batch_imported, batch_failed = self._import_batch(batch)
            imported += batch_imported
            failed.update(batch_failed)
            calls += 1
        return ImportReport(imported=imported, failed=failed, calls=calls)

    def _import_batch(self, batch: list[dict[str, Any]]) -> tuple[int, dict[str, str]]:
        try:
            response = self._client.batch_import_findings(Findings=batch)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ACCESS_CODES:
                raise self._access_error(code) from error
            message = str(error.response.get("Error", {}).get("Message", ""))
            reason = f"{code or 'ClientError'}: {message or 'BatchImportFindings failed'}"
            return 0, {str(f["Id"]): reason for f in batch}
        except BotoCoreError as error:
            raise SecurityHubPublishError(
                f"Security Hub could not be reached in {self._region()}: "
                f"{type(error).__name__}; the findings will be sent again on retry"
            ) from error
        refused = {
            str(item.get("Id")): f"{item.get('ErrorCode', '')}: {item.get('ErrorMessage', '')}"
            for item in response.get("FailedFindings") or []
        }
        if refused and len(refused) == len(batch):
            codes = {str(item.get("ErrorCode", "")) for item in response["FailedFindings"]}
            if codes <= {"InvalidAccess", "AccessDeniedException", "InvalidAccessException"}:
                raise self._access_error(codes.pop())
        failed = {k: v.strip(": ") for k, v in refused.items()}
        return len(batch) - len(refused), failed

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
                done, missing, refused = self._update_batch(batch, status, note)
                updated += done
                not_found.extend(missing)
                failed.update(refused)
                calls += 1
        return UpdateReport(updated=updated, not_found=tuple(not_found), failed=failed, calls=calls)

    def _update_batch(
        self, identifiers: list[dict[str, str]], status: str, note: str
    ) -> tuple[int, list[str], dict[str, str]]:
        try:
            response = self._client.batch_update_findings(
                FindingIdentifiers=identifiers,
                Workflow={"Status": status},
                Note={"Text": note, "UpdatedBy": NOTE_AUTHOR},
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ACCESS_CODES:
                raise self._update_access_error(code) from error
            message = str(error.response.get("Error", {}).get("Message", ""))
            reason = f"{code or 'ClientError'}: {message or 'BatchUpdateFindings failed'}"
            return 0, [], {i["Id"]: reason for i in identifiers}
        except BotoCoreError as error:
            raise SecurityHubPublishError(
                f"Security Hub could not be reached in {self._region()}: "
                f"{type(error).__name__}; the workflow updates will be sent again on retry"
            ) from error
        not_found: list[str] = []
        failed: dict[str, str] = {}
        unprocessed = response.get("UnprocessedFindings") or []
        for item in unprocessed:
            finding = str((item.get("FindingIdentifier") or {}).get("Id", ""))
            code = str(item.get("ErrorCode", ""))
            if code == "FindingNotFound":
                not_found.append(finding)
            else:
                failed[finding] = f"{code}: {item.get('ErrorMessage', '')}".strip(": ")
        return len(identifiers) - len(unprocessed), not_found, failed

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
