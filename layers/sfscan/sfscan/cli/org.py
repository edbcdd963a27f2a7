"""``sfscan org add|list``: register orgs for the scheduled scans and see how they last went.

An org is registered as one Secrets Manager secret ``<prefix><name>`` holding its credentials
JSON (the format ``--secret-file`` reads); the dispatch function scans every secret under the
prefix. Secret values are validated before they are stored and are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from sfscan.cli import live
from sfscan.cli.exit_codes import OK
from sfscan.collect.credentials import ClientCredentialsAuth, OrgCredentials, parse_credentials
from sfscan.domain.errors import InputError
from sfscan.domain.settings import load_settings
from sfscan.pipeline.dispatch import list_registered_orgs
from sfscan.store.dynamodb import FindingsStore, StoreError
from sfscan.store.items import ScanSummary

DEFAULT_PREFIX = "sfscan/orgs/"
TABLE_ENV = "SFSCAN_TABLE"
ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

EPILOG = """\
examples:
  sfscan org add --name acme-prod --secret-file acme-prod.json
  sfscan org add --name acme-prod --login-url https://acme.my.salesforce.com \\
      --client-id 3MVG... --username sfscan@acme.com --private-key-file sfscan.key \\
      --settings acme-prod.settings.json
  sfscan org list --table sfscan-FindingsTable-ABC123

AWS credentials and region come from the usual AWS environment (AWS_PROFILE, AWS_REGION, ...).
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "org",
        help="register orgs for scheduled scans (Secrets Manager) and list their last scans",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    org_sub = p.add_subparsers(dest="org_command", metavar="ACTION", required=True)

    add = org_sub.add_parser("add", help="validate credentials and store them as the org's secret")
    add.add_argument("--name", required=True, help="the org's name in sfscan, e.g. acme-prod")
    add.add_argument("--settings", metavar="FILE", help="org settings JSON stored with it")
    add.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"secret name prefix ({DEFAULT_PREFIX})"
    )
    creds = add.add_argument_group("credentials (a --secret-file, or the flags)")
    creds.add_argument("--secret-file", metavar="FILE", help="org credentials JSON")
    creds.add_argument(
        "--login-url", metavar="URL", help="login or My Domain URL [SFSCAN_LOGIN_URL]"
    )
    creds.add_argument("--client-id", metavar="KEY", help="consumer key [SFSCAN_CLIENT_ID]")
    creds.add_argument("--username", metavar="USER", help="JWT bearer user [SFSCAN_USERNAME]")
    creds.add_argument(
        "--private-key-file", metavar="FILE", help="JWT bearer PEM key [SFSCAN_PRIVATE_KEY_FILE]"
    )
    creds.add_argument(
        "--client-secret", metavar="SECRET", help="client credentials [SFSCAN_CLIENT_SECRET]"
    )
    creds.add_argument("--api-version", metavar="N.0", help="Salesforce API version (62.0)")
    add.set_defaults(handler=run_add)

    lst = org_sub.add_parser("list", help="registered orgs and their last scan")
    lst.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"secret name prefix ({DEFAULT_PREFIX})"
    )
    lst.add_argument("--table", help=f"findings table name [{TABLE_ENV}]")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(handler=run_list)


def _client(service: str) -> Any:
    import boto3

    try:
        return boto3.session.Session().client(service)  # type: ignore[call-overload]
    except NoRegionError:
        raise InputError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)") from None


def _aws_error(action: str, exc: Exception) -> InputError:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return InputError(f"{action}: {err.get('Code', 'error')}: {err.get('Message', '')}")
    return InputError(f"{action}: {exc}")


def secret_json(credentials: OrgCredentials) -> str:
    """The secret's value: the credentials JSON with the secret fields in clear (validated)."""
    auth = credentials.auth
    auth_data: dict[str, Any] = {"flow": auth.flow, "client_id": auth.client_id}
    if isinstance(auth, ClientCredentialsAuth):
        auth_data["client_secret"] = auth.client_secret.get_secret_value()
    else:
        auth_data["username"] = auth.username
        auth_data["private_key"] = auth.private_key.get_secret_value()
        if auth.audience:
            auth_data["audience"] = auth.audience
    data: dict[str, Any] = {
        "name": credentials.name,
        "login_url": credentials.login_url,
        "auth": auth_data,
        "api_version": credentials.api_version,
    }
    if credentials.settings is not None:
        data["settings"] = credentials.settings.to_json_dict()
    parse_credentials(data, "the secret to store")  # never store what a scan could not read
    return json.dumps(data, sort_keys=True)


def run_add(args: argparse.Namespace) -> int:
    if not ORG_NAME.fullmatch(args.name):
        raise InputError(
            f"--name {args.name!r}: use letters, digits, '.', '_' or '-' (at most 64), "
            "starting with a letter or digit"
        )
    if not args.prefix.endswith("/"):
        raise InputError(f"--prefix {args.prefix!r} must end with '/'")
    credentials = live.credentials_from_args(args).model_copy(update={"name": args.name})
    if args.settings:
        credentials = credentials.model_copy(update={"settings": load_settings(args.settings)})
    value = secret_json(credentials)
    secret_name = args.prefix + args.name
    sm = _client("secretsmanager")
    try:
        try:
            sm.create_secret(
                Name=secret_name,
                SecretString=value,
                Description=f"sfscan: credentials of Salesforce org {args.name}",
                Tags=[{"Key": "sfscan:org", "Value": args.name}],
            )
            how = "stored as a new secret"
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                raise
            sm.put_secret_value(SecretId=secret_name, SecretString=value)
            how = "stored as a new version of the existing secret"
    except (ClientError, BotoCoreError) as exc:
        raise _aws_error(f"cannot store secret {secret_name}", exc) from None
    print(
        f"org {args.name}: credentials ({credentials.flow}, {credentials.login_url}) {how} "
        f"{secret_name}"
    )
    if credentials.settings is None:
        print("  no settings stored: the stack's DefaultAllowedNetworks and LookbackDays apply")
    return OK


def _counts(s: ScanSummary) -> str:
    sev = s.failed_by_severity
    return "/".join(str(sev.get(k, 0)) for k in ("CRITICAL", "HIGH", "MEDIUM", "LOW"))


def _row(name: str, s: ScanSummary | None) -> list[str]:
    if s is None:
        return [name, "never scanned", "-", "-", "-", "-", ""]
    when = s.finished_at.strftime("%Y-%m-%d %H:%M UTC")
    if not s.ok:
        return [name, when, "ERROR", "-", "-", "-", s.error]
    return [
        name,
        when,
        "OK",
        _counts(s),
        str(s.open_violations),
        f"+{s.opened} -{s.resolved}",
        "" if s.api_calls is None else f"{s.api_calls} API calls",
    ]


def format_org_table(names: list[str], latest: dict[str, ScanSummary]) -> str:
    header = ["ORG", "LAST SCAN", "STATUS", "FAILED C/H/M/L", "OPEN", "CHANGES", "NOTE"]
    rows = [header] + [_row(n, latest.get(n)) for n in names]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def run_list(args: argparse.Namespace) -> int:
    table = args.table or os.environ.get(TABLE_ENV)
    sm = _client("secretsmanager")
    try:
        names = [o.name for o in list_registered_orgs(sm, args.prefix)]
    except Exception as exc:  # DispatchError wraps the SDK error with the prefix named
        raise InputError(str(exc)) from None
    latest: dict[str, ScanSummary] = {}
    if table:
        try:
            latest = {
                s.org_name: s for s in FindingsStore(_client("dynamodb"), table).latest_scans()
            }
        except StoreError as exc:
            raise InputError(f"{exc} (check --table / {TABLE_ENV})") from None
    if args.format == "json":
        out = [{"org": n, "secret_name": args.prefix + n, **_json(latest.get(n))} for n in names]
        print(json.dumps(out, indent=2))
        return OK
    if not names:
        print(f"no orgs registered under {args.prefix} (add one with: sfscan org add --name ...)")
        return OK
    print(format_org_table(names, latest))
    if not table:
        print(f"\n(last scans not shown: give --table NAME or set {TABLE_ENV})", file=sys.stderr)
    return OK


def _json(s: ScanSummary | None) -> dict[str, Any]:
    if s is None:
        return {"last_scan": None}
    return {
        "last_scan": {
            "scan_id": s.scan_id,
            "finished_at": s.finished_at.isoformat(),
            "status": "OK" if s.ok else "ERROR",
            "error": s.error,
            "failed_by_severity": s.failed_by_severity,
            "open_violations": s.open_violations,
            "opened": s.opened,
            "resolved": s.resolved,
            "api_calls": s.api_calls,
            "daily_api_remaining": s.daily_api_remaining,
        }
    }
