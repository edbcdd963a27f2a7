"""AWS access for the CLI: the standard boto3 chain, ``--region`` / ``--profile``, and the same
retry configuration as the Lambda functions.

Region: ``--region``, else ``AWS_REGION`` (what Lambda and most SDKs read), else
``AWS_DEFAULT_REGION`` or the profile's ``region``. Credentials: ``--profile``, else boto3's
chain (environment, ``AWS_PROFILE``, SSO, instance or container role). ``AWS_ENDPOINT_URL``
works as in boto3 (e.g. a local moto server).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from sfscan.domain.errors import InputError
from sfscan.pipeline.config import AWS_RETRIES


def add_aws_arguments(parser: argparse.ArgumentParser, *, region: bool = True) -> None:
    group = parser.add_argument_group("AWS (standard credential chain)")
    if region:
        group.add_argument(
            "--region", metavar="REGION", help="AWS region [AWS_REGION, AWS_DEFAULT_REGION]"
        )
    group.add_argument("--profile", metavar="NAME", help="AWS named profile [AWS_PROFILE]")


def region_from(flag: str | None) -> str | None:
    return flag or os.environ.get("AWS_REGION") or None


@dataclass(frozen=True)
class Aws:
    session: Any

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def client(self, service: str) -> Any:
        from botocore.config import Config

        return self.session.client(service, config=Config(retries=AWS_RETRIES))  # type: ignore[arg-type]

    def caller(self) -> dict[str, str]:
        """STS caller identity: Account, Arn, UserId (who AWS says is running this)."""
        try:
            resp = self.client("sts").get_caller_identity()
        except NoCredentialsError:
            raise InputError(
                "no AWS credentials: set AWS_PROFILE (or --profile), or the AWS_ACCESS_KEY_ID / "
                "AWS_SECRET_ACCESS_KEY environment variables"
            ) from None
        except (ClientError, BotoCoreError) as exc:
            raise aws_error("cannot tell who is calling (sts:GetCallerIdentity)", exc) from None
        return {k: str(resp[k]) for k in ("Account", "Arn", "UserId")}


def session(region: str | None = None, profile: str | None = None) -> Aws:
    import boto3

    try:
        s = boto3.session.Session(profile_name=profile, region_name=region_from(region))
    except ProfileNotFound:
        raise InputError(f"--profile: no AWS profile named {profile!r} in ~/.aws/config") from None
    if not s.region_name:
        raise InputError(
            "no AWS region: give --region, or set AWS_REGION (or AWS_DEFAULT_REGION), or a "
            "region in your AWS profile"
        )
    return Aws(s)


def from_args(args: argparse.Namespace) -> Aws:
    return session(getattr(args, "region", None), getattr(args, "profile", None))


def aws_error(action: str, exc: Exception) -> InputError:
    """An SDK error as a one-line message naming the action and AWS's error code."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return InputError(f"{action}: {err.get('Code', 'error')}: {err.get('Message', '')}")
    if isinstance(exc, NoCredentialsError):
        return InputError(f"{action}: no AWS credentials (set AWS_PROFILE or --profile)")
    return InputError(f"{action}: {exc}")
