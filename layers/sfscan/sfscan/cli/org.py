"""``sfscan org add|settings|remove|test|list``: the orgs the deployed stack scans.

An org is one Secrets Manager secret ``<prefix><name>`` holding its credentials only (the JSON
``--secret-file`` reads); the dispatch function scans every secret under the prefix. Its settings
live apart in the findings table (sfscan.store.org_settings), so they can be read and changed
without the private key, each change recorded with who made it. Secret values are validated
before they are stored and are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.cli import aws, live, org_settings
from sfscan.cli.exit_codes import OK
from sfscan.collect.credentials import ClientCredentialsAuth, OrgCredentials, parse_credentials
from sfscan.domain.errors import InputError
from sfscan.domain.settings import Settings, load_settings, parse_settings
from sfscan.pipeline.dispatch import list_registered_orgs
from sfscan.store.dynamodb import FindingsStore, StoreError
from sfscan.store.items import ScanSummary
from sfscan.store.org_settings import OrgSettingsStore, Readiness

DEFAULT_PREFIX = "sfscan/orgs/"
TABLE_ENV = "SFSCAN_TABLE"
STACK_ENV = "SFSCAN_STACK"
RECOVERY_DAYS = (7, 30)  # Secrets Manager's RecoveryWindowInDays range
TABLE_OUTPUT = "FindingsTableName"  # template.yaml's output
ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

EPILOG = """\
examples:
  sfscan org add --name acme-prod --secret-file acme-prod.json --stack sfscan
  sfscan org settings acme-prod --settings acme-prod.settings.json --stack sfscan
  sfscan org settings acme-prod --history --stack sfscan
  sfscan org test acme-prod --stack sfscan
  sfscan org list --stack sfscan
  sfscan org remove acme-prod

--stack names the deployed stack (its FindingsTableName output is the table; or give --table, or
set SFSCAN_STACK / SFSCAN_TABLE). AWS credentials and region come from the standard chain
(AWS_PROFILE, AWS_REGION, ...) or --profile / --region.
"""


def _common(p: argparse.ArgumentParser, *, table: bool = True) -> None:
    p.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"secret name prefix ({DEFAULT_PREFIX})"
    )
    if table:
        p.add_argument("--table", help=f"the stack's findings table [{TABLE_ENV}]")
        p.add_argument(
            "--stack",
            metavar="NAME",
            help=f"read the table's name from this stack's outputs instead [{STACK_ENV}]",
        )
    aws.add_aws_arguments(p)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "org",
        help="manage the orgs the deployed stack scans: credentials, settings, readiness",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    org_sub = p.add_subparsers(dest="org_command", metavar="ACTION", required=True)

    _register_add(org_sub)
    org_settings.register(org_sub, _common)
    _register_remove(org_sub)

    lst = org_sub.add_parser("list", help="registered orgs, their last readiness test and scan")
    _common(lst)
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(handler=run_list)


def _register_add(org_sub: Any) -> None:
    add = org_sub.add_parser("add", help="validate credentials and store them as the org's secret")
    add.add_argument("--name", required=True, help="the org's name in sfscan, e.g. acme-prod")
    add.add_argument(
        "--settings", metavar="FILE", help="org settings JSON, stored in the table (needs --table)"
    )
    add.add_argument(
        "--kms-key-id",
        metavar="KEY",
        help="customer-managed KMS key (ARN, id or alias) to encrypt the org's secret with: the "
        "key the stack's OrgSecretsKmsKeyArn names; without it a new secret uses "
        "aws/secretsmanager and an existing one keeps its key",
    )
    _common(add)
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


def _register_remove(org_sub: Any) -> None:
    remove = org_sub.add_parser(
        "remove", help="stop scanning an org (deletes its secret; findings and settings stay)"
    )
    remove.add_argument("name", help="the org's name in sfscan")
    remove.add_argument(
        "--recovery-days",
        type=int,
        default=30,
        metavar="N",
        help="days (7-30) Secrets Manager keeps the deleted secret restorable (default 30)",
    )
    _common(remove, table=False)
    remove.set_defaults(handler=run_remove)


def table_name(args: argparse.Namespace, *, needed_for: str | None = None) -> str | None:
    """--table, else SFSCAN_TABLE, else the FindingsTableName output of --stack / SFSCAN_STACK."""
    table = getattr(args, "table", None) or os.environ.get(TABLE_ENV) or None
    stack = getattr(args, "stack", None) or os.environ.get(STACK_ENV) or None
    if table is None and stack is not None:
        table = stack_table(aws.from_args(args), stack)
    if table is None and needed_for:
        raise InputError(
            f"{needed_for} are kept in the stack's findings table: give --stack NAME (or "
            f"--table NAME, the stack's {TABLE_OUTPUT} output), or set {STACK_ENV} / {TABLE_ENV}"
        )
    return table


def stack_table(session: aws.Aws, stack: str) -> str:
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise aws.aws_error(f"--stack {stack}: cannot read the stack", exc) from None
    for output in stacks[0].get("Outputs", []) if stacks else []:
        if output.get("OutputKey") == TABLE_OUTPUT:
            return str(output["OutputValue"])
    raise InputError(f"--stack {stack}: the stack has no {TABLE_OUTPUT} output; is it sfscan's?")


def check_name(name: str, prefix: str, flag: str = "NAME") -> None:
    if not ORG_NAME.fullmatch(name):
        raise InputError(
            f"{flag} {name!r}: an org name uses letters, digits, '.', '_' or '-' (at most 64), "
            "starting with a letter or digit"
        )
    if not prefix.endswith("/"):
        raise InputError(f"--prefix {prefix!r} must end with '/'")


def secret_json(credentials: OrgCredentials) -> str:
    """The secret's value: the credentials JSON (no settings) with the secret fields in clear."""
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
    parse_credentials(data, "the secret to store")  # never store what a scan could not read
    return json.dumps(data, sort_keys=True)


def _store_secret(
    sm: Any, name: str, secret_name: str, value: str, kms_key_id: str | None = None
) -> str:
    key = {"KmsKeyId": kms_key_id} if kms_key_id else {}
    try:
        try:
            sm.create_secret(
                Name=secret_name,
                SecretString=value,
                Description=f"sfscan: credentials of Salesforce org {name}",
                Tags=[{"Key": "sfscan:org", "Value": name}],
                **key,
            )
            return "stored as a new secret"
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                raise
            if key:  # a new version under the key given (the secret's key changes to it)
                sm.update_secret(SecretId=secret_name, SecretString=value, **key)
            else:
                sm.put_secret_value(SecretId=secret_name, SecretString=value)
            return "stored as a new version of the existing secret"
    except (ClientError, BotoCoreError) as exc:
        raise aws.aws_error(f"cannot store secret {secret_name}", exc) from None


def _embedded_settings(sm: Any, secret_name: str) -> Settings | None:
    """Settings embedded in the org's current secret (registrations before settings moved to
    the table); None when there is no such secret or it holds none."""
    try:
        value = sm.get_secret_value(SecretId=secret_name)["SecretString"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise aws.aws_error(f"cannot read secret {secret_name}", exc) from None
    except BotoCoreError as exc:
        raise aws.aws_error(f"cannot read secret {secret_name}", exc) from None
    try:
        embedded = json.loads(value).get("settings")
    except (json.JSONDecodeError, AttributeError):
        return None
    return None if embedded is None else parse_settings(embedded, f"secret {secret_name}")


def _settings_to_keep(
    args: argparse.Namespace, credentials: OrgCredentials, session: aws.Aws, secret_name: str
) -> tuple[Settings | None, str]:
    """The settings to store with this registration and why: given (--settings or in the
    credentials file), or moved out of the secret this registration replaces, so replacing an
    older secret (a new key, say) never drops the settings it carried."""
    if args.settings:
        return load_settings(args.settings), "sfscan org add"
    if credentials.settings is not None:
        return credentials.settings, "sfscan org add"
    table = table_name(args)
    if table and OrgSettingsStore(session.client("dynamodb"), table).get(args.name) is not None:
        return None, ""  # the table already holds them and wins
    embedded = _embedded_settings(session.client("secretsmanager"), secret_name)
    return embedded, "moved out of the secret by sfscan org add"


def run_add(args: argparse.Namespace) -> int:
    check_name(args.name, args.prefix, "--name")
    credentials = live.credentials_from_args(args).model_copy(update={"name": args.name})
    session = aws.from_args(args)
    secret_name = args.prefix + args.name
    # Settings go to the table, never the secret; checked before anything is stored.
    settings, note = _settings_to_keep(args, credentials, session, secret_name)
    table = table_name(args, needed_for="settings") if settings is not None else None
    how = _store_secret(
        session.client("secretsmanager"),
        args.name,
        secret_name,
        secret_json(credentials),
        args.kms_key_id,
    )
    print(
        f"org {args.name}: credentials ({credentials.flow}, {credentials.login_url}) {how} "
        f"{secret_name}"
    )
    if settings is None or table is None:
        print("  no new settings: the org's settings in the table (if any) or the defaults apply")
        return OK
    org_settings.store_settings(session, table, args.name, settings, note=note)
    return OK


def run_remove(args: argparse.Namespace) -> int:
    check_name(args.name, args.prefix)
    if not RECOVERY_DAYS[0] <= args.recovery_days <= RECOVERY_DAYS[1]:
        raise InputError("--recovery-days must be between 7 and 30 (Secrets Manager's limits)")
    secret_name = args.prefix + args.name
    sm = aws.from_args(args).client("secretsmanager")
    try:
        sm.delete_secret(SecretId=secret_name, RecoveryWindowInDays=args.recovery_days)
    except (ClientError, BotoCoreError) as exc:
        raise aws.aws_error(f"cannot delete secret {secret_name}", exc) from None
    print(
        f"org {args.name}: secret {secret_name} scheduled for deletion in {args.recovery_days} "
        "days; the next scan run skips it. Findings, scan history and settings stay in the "
        f"table. Undo: aws secretsmanager restore-secret --secret-id {secret_name}"
    )
    return OK


def _counts(s: ScanSummary) -> str:
    sev = s.failed_by_severity
    return "/".join(str(sev.get(k, 0)) for k in ("CRITICAL", "HIGH", "MEDIUM", "LOW"))


def _ready(r: Readiness | None) -> str:
    if r is None:
        return "not tested"
    return f"{'ready' if r.ok else 'NOT READY'} {r.checked_at:%Y-%m-%d}"


def _row(name: str, s: ScanSummary | None, r: Readiness | None) -> list[str]:
    note = "" if r is None or r.ok else r.summary.splitlines()[0]
    if s is None:
        return [name, _ready(r), "never scanned", "-", "-", "-", "-", note]
    when = s.finished_at.strftime("%Y-%m-%d %H:%M UTC")
    if not s.ok:
        return [name, _ready(r), when, "ERROR", "-", "-", "-", s.error]
    return [
        name,
        _ready(r),
        when,
        "OK",
        _counts(s),
        str(s.open_violations),
        f"+{s.opened} -{s.resolved}",
        note or ("" if s.api_calls is None else f"{s.api_calls} API calls"),
    ]


def format_org_table(
    names: list[str],
    latest: dict[str, ScanSummary],
    readiness: dict[str, Readiness] | None = None,
) -> str:
    header = ["ORG", "READINESS", "LAST SCAN", "STATUS", "FAILED C/H/M/L", "OPEN", "CHANGES"]
    header.append("NOTE")
    ready = readiness or {}
    rows = [header] + [_row(n, latest.get(n), ready.get(n)) for n in names]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _state(
    session: aws.Aws, table: str, names: list[str]
) -> tuple[dict[str, ScanSummary], dict[str, Readiness]]:
    ddb = session.client("dynamodb")
    try:
        latest = {s.org_name: s for s in FindingsStore(ddb, table).latest_scans()}
        settings_store = OrgSettingsStore(ddb, table)
        ready = {n: r for n in names if (r := settings_store.get_readiness(n)) is not None}
    except StoreError as exc:
        raise InputError(f"{exc} (check --table / {TABLE_ENV})") from None
    return latest, ready


def run_list(args: argparse.Namespace) -> int:
    table = table_name(args)
    session = aws.from_args(args)
    try:
        names = [
            o.name for o in list_registered_orgs(session.client("secretsmanager"), args.prefix)
        ]
    except Exception as exc:  # DispatchError wraps the SDK error with the prefix named
        raise InputError(str(exc)) from None
    latest, ready = _state(session, table, names) if table else ({}, {})
    if args.format == "json":
        out = [
            {"org": n, "secret_name": args.prefix + n, **_json(latest.get(n), ready.get(n))}
            for n in names
        ]
        print(json.dumps(out, indent=2))
        return OK
    if not names:
        print(f"no orgs registered under {args.prefix} (add one with: sfscan org add --name ...)")
        return OK
    print(format_org_table(names, latest, ready))
    if not table:
        print(
            f"\n(readiness and last scans not shown: give --stack NAME or --table NAME, or set "
            f"{STACK_ENV} / {TABLE_ENV})",
            file=sys.stderr,
        )
    return OK


def _json(s: ScanSummary | None, r: Readiness | None) -> dict[str, Any]:
    readiness = None
    if r is not None:
        readiness = {"ok": r.ok, "checked_at": r.checked_at.isoformat(), "summary": r.summary}
    if s is None:
        return {"readiness": readiness, "last_scan": None}
    return {
        "readiness": readiness,
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
        },
    }
