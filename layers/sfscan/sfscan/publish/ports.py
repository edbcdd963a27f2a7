"""The publishers as the publish use case sees them (ports). ``SnsPublisher`` and
``SecurityHubPublisher`` are the AWS adapters; tests use in-memory fakes that a contract test
holds to the same behaviour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sfscan.publish.notify import Notification
from sfscan.publish.securityhub import ImportReport, UpdateReport
from sfscan.publish.workflow import WorkflowUpdate


class NotifierPort(Protocol):
    def publish(self, notifications: Sequence[Notification]) -> list[str]:
        """Send each notification in order; the message ids. Raises SnsPublishError."""
        ...


class SecurityHubPort(Protocol):
    def import_findings(self, findings: Sequence[dict[str, Any]]) -> ImportReport:
        """Import ASFF findings; refused ones are reported in ``failed``, never raised."""
        ...

    def update_workflows(self, updates: Sequence[WorkflowUpdate]) -> UpdateReport:
        """Move findings' workflow; refused ones are reported, never raised."""
        ...
