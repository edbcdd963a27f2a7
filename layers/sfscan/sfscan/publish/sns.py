"""SNS adapter: sends built Notifications to the topic, attributes as MessageAttributes.

Attributes let subscribers filter (e.g. only CRITICAL for a pager, one org for a team): a string
is sent as DataType "String", a list as "String.Array" (a JSON array, which SNS filter policies
match element by element).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.publish.errors import SnsPublishError
from sfscan.publish.notify import AttributeValue, Notification

_DENIED_CODES = frozenset({"AuthorizationError", "AccessDenied", "AccessDeniedException"})
_KMS_CODES_PREFIX = "KMS"


def message_attributes(attributes: dict[str, AttributeValue]) -> dict[str, dict[str, str]]:
    """Notification attributes as SNS MessageAttributes; empty values are left out (SNS
    refuses them)."""
    out: dict[str, dict[str, str]] = {}
    for name, value in attributes.items():
        if isinstance(value, str):
            if value:
                out[name] = {"DataType": "String", "StringValue": value}
        elif value:
            out[name] = {"DataType": "String.Array", "StringValue": json.dumps(list(value))}
    return out


class SnsPublisher:
    """Publishes to one topic. ``client`` is a boto3 ``sns`` client."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, notifications: Sequence[Notification]) -> list[str]:
        """Send each notification in order; return SNS message ids.

        Raises SnsPublishError on the first refusal, naming the topic and, for a permission
        problem, the permission to grant; ``sent_message_ids`` lists what went out before it.
        """
        sent: list[str] = []
        for notification in notifications:
            try:
                response = self._client.publish(
                    TopicArn=self._topic_arn,
                    Subject=notification.subject,
                    Message=notification.message,
                    MessageAttributes=message_attributes(notification.attributes),
                )
            except ClientError as error:
                raise SnsPublishError(self._explain(error), tuple(sent)) from error
            except BotoCoreError as error:
                raise SnsPublishError(
                    f"SNS topic {self._topic_arn} could not be reached "
                    f"({type(error).__name__}); the notification will be sent again on retry",
                    tuple(sent),
                ) from error
            sent.append(str(response["MessageId"]))
        return sent

    def _explain(self, error: ClientError) -> str:
        code = str(error.response.get("Error", {}).get("Code", "")) or "ClientError"
        topic = self._topic_arn
        if code in _DENIED_CODES:
            return (
                f"Not allowed to publish to SNS topic {topic} ({code}): grant sns:Publish on "
                "that topic to the publishing role"
            )
        if code.startswith(_KMS_CODES_PREFIX):
            return (
                f"SNS topic {topic} is encrypted and its KMS key refused the message ({code}): "
                "grant kms:GenerateDataKey and kms:Decrypt on the topic's key to the publishing "
                "role, and check that the key is enabled"
            )
        if code in {"NotFound", "NotFoundException"}:
            return f"SNS topic {topic} does not exist ({code}): check the topic ARN setting"
        message = str(error.response.get("Error", {}).get("Message", ""))[:300]
        return f"SNS refused a notification for topic {topic} ({code}: {message})"
