"""Errors of the publishing adapters: each names the AWS resource and what to change."""

from __future__ import annotations

from sfscan.domain.errors import SfscanError


class PublishError(SfscanError):
    """Publishing to AWS failed as a whole (not one finding): retry the batch later."""


class SecurityHubNotEnabledError(PublishError):
    """Security Hub refused every finding: not enabled in this account and region, or no access."""


class SecurityHubPublishError(PublishError):
    """A Security Hub call failed for a reason other than one finding's content."""


class SnsPublishError(PublishError):
    """SNS refused a message. ``sent_message_ids`` are the messages that did go out before it."""

    def __init__(self, message: str, sent_message_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.sent_message_ids = sent_message_ids
