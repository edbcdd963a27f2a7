"""``sfscan org settings`` and ``sfscan org test``.

``settings`` reads and changes an org's settings in the findings table: no access to the org's
secret (its private key) is needed, the new settings are validated before anything is stored, and
every change is recorded with the AWS identity that made it (STS GetCallerIdentity), its time,
and the old and new settings. ``test`` logs in with the stored secret and runs the readiness
check; its result is recorded for ``sfscan org list``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfscan.cli import aws, live
from sfscan.cli.exit_codes import INCOMPLETE, OK, VIOLATIONS
from sfscan.collect.credentials import OrgCredentials, parse_credentials
from sfscan.domain.errors import InputError, ScanIncompleteError
from sfscan.domain.settings import Settings, load_settings
from sfscan.store.dynamodb import StoreError
from sfscan.store.org_settings import OrgSettingsStore, Readiness, SettingsChange


def register(org_sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p: argparse.ArgumentParser = org_sub.add_parser(
        "settings",
        help="show, change (--settings FILE) or audit (--history) an org's settings; no key needed",
    )
    p.add_argument("name", help="the org's name in sfscan")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--settings", metavar="FILE", help="validate and store these settings")
    what.add_argument("--history", action="store_true", help="every recorded change")
    common(p)
    p.set_defaults(handler=run_settings)

    t: argparse.ArgumentParser = org_sub.add_parser(
        "test",
        help="log in with the stored secret and check what the scanner can read (exit 0 ready, "
        "1 something not readable, 3 cannot log in)",
    )
    t.add_argument("name", help="the org's name in sfscan")
    t.add_argument("--ca-bundle", metavar="FILE", help="PEM bundle to verify the org's TLS")
    t.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="also send credentials to this non-Salesforce host (repeatable)",
    )
    common(t)
    t.set_defaults(handler=run_test)


def _table(args: argparse.Namespace, what: str) -> str:
    from sfscan.cli.org import table_name

    table = table_name(args, needed_for=what)
    assert table is not None
    return table


def _changed_fields(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    old, new = old or {}, new or {}
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def store_settings(
    session: aws.Aws, table: str, name: str, settings: Settings, *, note: str
) -> SettingsChange:
    who = session.caller()["Arn"]
    store = OrgSettingsStore(session.client("dynamodb"), table)
    try:
        change = store.put(name, settings, changed_by=who, now=datetime.now(UTC), note=note)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    fields = ", ".join(_changed_fields(change.old, change.new)) or "nothing"
    print(
        f"org {name}: settings version {change.version} stored in table {table} by {who} "
        f"(changed: {fields})"
    )
    return change


def _check_registered(session: aws.Aws, secret_name: str) -> None:
    """The org exists (DescribeSecret: metadata only, never the value)."""
    try:
        session.client("secretsmanager").describe_secret(SecretId=secret_name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "ResourceNotFoundException":
            raise InputError(
                f"no org registered as {secret_name}; see 'sfscan org list' or add it first"
            ) from None
        if code != "AccessDeniedException":  # a settings-only operator may not describe it
            raise aws.aws_error(f"cannot check secret {secret_name}", exc) from None
    except BotoCoreError as exc:
        raise aws.aws_error(f"cannot check secret {secret_name}", exc) from None


def run_settings(args: argparse.Namespace) -> int:
    from sfscan.cli.org import check_name

    check_name(args.name, args.prefix)
    # Validate the file before touching AWS: bad settings are refused with the field named.
    settings = load_settings(args.settings) if args.settings else None
    table = _table(args, "settings")
    session = aws.from_args(args)
    if settings is not None:
        _check_registered(session, args.prefix + args.name)
        store_settings(session, table, args.name, settings, note="sfscan org settings")
        return OK
    store = OrgSettingsStore(session.client("dynamodb"), table)
    try:
        if args.history:
            _print_history(store.history(args.name))
            return OK
        stored = store.get(args.name)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    if stored is None:
        print(
            f"sfscan: org {args.name} has no settings in table {table}: its scans use settings "
            "embedded in its secret (older registrations), else the stack's defaults",
            file=sys.stderr,
        )
        print("{}")
        return OK
    print(
        f"sfscan: org {args.name}: settings version {stored.version}, changed "
        f"{stored.changed_at:%Y-%m-%d %H:%M UTC} by {stored.changed_by}",
        file=sys.stderr,
    )
    print(json.dumps(stored.settings.to_json_dict(), indent=2, sort_keys=True))
    return OK


def _print_history(changes: list[SettingsChange]) -> None:
    out = [
        {
            "version": c.version,
            "changed_at": c.changed_at.isoformat(),
            "changed_by": c.changed_by,
            "note": c.note,
            "changed": _changed_fields(c.old, c.new),
            "old": c.old,
            "new": c.new,
        }
        for c in changes
    ]
    print(json.dumps(out, indent=2, sort_keys=True))


def _read_credentials(session: aws.Aws, secret_name: str) -> OrgCredentials:
    try:
        value = session.client("secretsmanager").get_secret_value(SecretId=secret_name)
    except (ClientError, BotoCoreError) as exc:
        raise aws.aws_error(f"cannot read secret {secret_name}", exc) from None
    try:
        data = json.loads(value["SecretString"])
    except (KeyError, json.JSONDecodeError):
        raise InputError(f"secret {secret_name} is not JSON; re-register the org") from None
    return parse_credentials(data, f"secret {secret_name}")


def readiness_check(credentials: OrgCredentials, args: argparse.Namespace) -> tuple[int, str]:
    """Log in with the credentials and run the readiness check (as ``sfscan doctor`` does);
    (exit code, one-line summary). The full report goes to stdout."""
    from sfscan.cli.doctor import render_table
    from sfscan.collect.readiness import check_credentials

    try:
        readiness = check_credentials(
            credentials,
            host_policy=live.host_policy_from_args(args),
            ca_bundle=live.ca_bundle_from_args(args),
        )
    except (InputError, ScanIncompleteError) as exc:
        return INCOMPLETE, f"cannot log in: {str(exc).splitlines()[0]}"
    sys.stdout.write(render_table(readiness))
    missing = readiness.missing()
    if readiness.ok:
        return OK, f"everything readable ({readiness.instance_url}, API v{readiness.api_version})"
    named = "; ".join(f"{key}: {why}" for key, why in missing.items())
    problems = "; ".join(readiness.problems)
    return VIOLATIONS, f"{len(missing)} source(s) not readable: {named or problems}"


def run_test(args: argparse.Namespace) -> int:
    from sfscan.cli.org import check_name, table_name

    check_name(args.name, args.prefix)
    table = table_name(args)
    session = aws.from_args(args)
    credentials = _read_credentials(session, args.prefix + args.name)
    code, summary = readiness_check(credentials, args)
    ok = code == OK
    print(f"org {args.name}: {'ready' if ok else 'NOT READY'}: {summary}")
    if table:
        record = Readiness(args.name, datetime.now(UTC), session.caller()["Arn"], ok, summary)
        try:
            OrgSettingsStore(session.client("dynamodb"), table).put_readiness(record)
        except StoreError as exc:
            raise InputError(str(exc)) from None
    else:
        print("sfscan: result not recorded for 'sfscan org list' (no --table)", file=sys.stderr)
    return code
