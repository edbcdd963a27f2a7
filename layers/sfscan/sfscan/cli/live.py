"""Credential flags shared by ``sfscan scan`` (live) and ``sfscan collect``.

Credentials come from ``--secret-file`` (the JSON stored in Secrets Manager, see docs/collect.md)
or from flags, each with an environment fallback. The OAuth flow is never guessed from leftovers:
``--private-key-file`` + ``--username`` is JWT bearer, ``--client-secret`` is client
credentials, and anything else is refused with the flags named.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sfscan.collect.collector import collect_snapshot
from sfscan.collect.credentials import OrgCredentials, parse_credentials, with_api_version
from sfscan.collect.hosts import ALLOWED_HOSTS_ENV, HostPolicy, allowed_hosts_from_env
from sfscan.collect.http import HttpConfig
from sfscan.collect.progress import terminal_progress
from sfscan.domain.errors import InputError
from sfscan.domain.jsonfile import load_json_file, require_object
from sfscan.domain.settings import Settings, load_settings
from sfscan.domain.snapshot import Snapshot

# dest -> (flag, environment variable)
_CREDENTIAL_FLAGS = {
    "login_url": ("--login-url", "SFSCAN_LOGIN_URL"),
    "client_id": ("--client-id", "SFSCAN_CLIENT_ID"),
    "username": ("--username", "SFSCAN_USERNAME"),
    "private_key_file": ("--private-key-file", "SFSCAN_PRIVATE_KEY_FILE"),
    "client_secret": ("--client-secret", "SFSCAN_CLIENT_SECRET"),
}
CA_BUNDLE_ENV = "SFSCAN_CA_BUNDLE"
API_VERSION = re.compile(r"[1-9][0-9]\.0")
# A live scan of a large org takes well under a minute against the simulator's demo; five
# minutes leaves room for a slow org without letting a stuck one run for ever.
DEFAULT_TIMEOUT_S = 300
MAX_TIMEOUT_S = 86400


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "live org",
        "Credentials of the scanner's integration user (see docs/collect.md). Each flag falls "
        "back to the environment variable in brackets.",
    )
    group.add_argument("--quiet", action="store_true", help="show no collection progress on stderr")
    group.add_argument(
        "--secret-file",
        metavar="FILE",
        help="org credentials JSON (the Secrets Manager secret's value) instead of the flags",
    )
    group.add_argument(
        "--login-url",
        metavar="URL",
        help="https://login.salesforce.com, https://test.salesforce.com or your My Domain "
        "[SFSCAN_LOGIN_URL]",
    )
    group.add_argument(
        "--client-id", metavar="KEY", help="consumer key of the app [SFSCAN_CLIENT_ID]"
    )
    group.add_argument(
        "--username", metavar="USER", help="JWT bearer: the user to log in as [SFSCAN_USERNAME]"
    )
    group.add_argument(
        "--private-key-file",
        metavar="FILE",
        help="JWT bearer: PEM private key of the app's certificate [SFSCAN_PRIVATE_KEY_FILE]",
    )
    group.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="client credentials: consumer secret; prefer the environment variable, flags show "
        "up in the process list [SFSCAN_CLIENT_SECRET]",
    )
    _add_connection_arguments(group)


def _add_connection_arguments(group: argparse._ArgumentGroup) -> None:
    """How the scanner reaches the org: TLS trust, allowed hosts, API version."""
    group.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help=f"PEM bundle to verify the org's TLS certificate [{CA_BUNDLE_ENV}]",
    )
    group.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="also send credentials to this non-Salesforce host (repeatable) "
        f"[{ALLOWED_HOSTS_ENV}, comma-separated]",
    )
    group.add_argument(
        "--api-version", metavar="N.0", help="Salesforce API version (default: 62.0)"
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_timeout,
        default=DEFAULT_TIMEOUT_S,
        help="give up (exit 3) when collecting the org takes longer than this, login "
        f"included (default: {DEFAULT_TIMEOUT_S})",
    )


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds between 1 and {MAX_TIMEOUT_S}"
        )
    return seconds


def _value(args: argparse.Namespace, dest: str) -> str | None:
    flag_value = getattr(args, dest, None)
    if flag_value:
        return str(flag_value)
    return os.environ.get(_CREDENTIAL_FLAGS[dest][1]) or None


def _read_text(path: str, flag: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{flag}: {path} is not a text (PEM or JSON) file") from None


def _credentials_from_secret_file(args: argparse.Namespace) -> OrgCredentials:
    given = [flag for dest, (flag, _) in _CREDENTIAL_FLAGS.items() if getattr(args, dest, None)]
    if given:
        raise InputError(
            f"--secret-file: give the credentials either in the file or as flags, not both "
            f"(also given: {', '.join(given)})"
        )
    path = str(args.secret_file)
    try:
        data = require_object(load_json_file(path, "secret"), path, "secret")
    except InputError as exc:
        raise InputError(f"--secret-file: {exc}") from None
    return parse_credentials(data, source=path)


def infer_flow(args: argparse.Namespace) -> str:
    """'jwt' or 'client_credentials' from the flags given; anything ambiguous is refused."""
    key_file, username = _value(args, "private_key_file"), _value(args, "username")
    secret = _value(args, "client_secret")
    if key_file and secret:
        raise InputError(
            "give either --private-key-file with --username (JWT bearer) or --client-secret "
            "(client credentials), not both"
        )
    if secret:
        return "client_credentials"
    if key_file and username:
        return "jwt"
    if key_file:
        raise InputError("--private-key-file needs --username (or SFSCAN_USERNAME) for JWT bearer")
    raise InputError(
        "no credentials: give --private-key-file and --username (JWT bearer), or "
        "--client-secret (client credentials), or --secret-file"
    )


def _credentials_from_flags(args: argparse.Namespace) -> OrgCredentials:
    flow = infer_flow(args)
    login_url, client_id = _value(args, "login_url"), _value(args, "client_id")
    missing = [
        f"{flag} (or {env})"
        for dest, (flag, env) in _CREDENTIAL_FLAGS.items()
        if dest in ("login_url", "client_id") and not _value(args, dest)
    ]
    if missing:
        raise InputError(f"missing {' and '.join(missing)}")
    auth: dict[str, Any] = {"flow": flow, "client_id": client_id}
    if flow == "jwt":
        key_file = str(_value(args, "private_key_file"))
        auth["username"] = _value(args, "username")
        auth["private_key"] = _read_text(key_file, "--private-key-file")
    else:
        auth["client_secret"] = _value(args, "client_secret")
    data: dict[str, Any] = {
        "name": urlsplit(str(login_url)).hostname or str(login_url),
        "login_url": login_url,
        "auth": auth,
    }
    return parse_credentials(data, source="command line")


def credentials_from_args(args: argparse.Namespace) -> OrgCredentials:
    if getattr(args, "secret_file", None):
        credentials = _credentials_from_secret_file(args)
    else:
        credentials = _credentials_from_flags(args)
    version = getattr(args, "api_version", None)
    if version:
        if not API_VERSION.fullmatch(version):
            raise InputError(f"--api-version: {version!r} is not an API version such as 62.0")
        credentials = with_api_version(credentials, version)
    return credentials


def host_policy_from_args(args: argparse.Namespace) -> HostPolicy:
    return HostPolicy([*(getattr(args, "allow_host", None) or []), *allowed_hosts_from_env()])


def _ca_bundle(args: argparse.Namespace) -> str | None:
    path = getattr(args, "ca_bundle", None) or os.environ.get(CA_BUNDLE_ENV) or None
    if path and not Path(path).is_file():
        raise InputError(f"--ca-bundle: {path} is not a readable file")
    return path


ca_bundle_from_args = _ca_bundle  # public: sfscan doctor reads the same option


def _progress(line: str) -> None:
    print(f"sfscan: {line}", file=sys.stderr, flush=True)


def budget_text(snapshot: Snapshot) -> str:
    """What the collection cost the org: API calls made and daily requests left."""
    info = snapshot.collection
    remaining = info.get("daily_api_remaining")
    return (
        f"{info.get('api_calls', 0)} API calls (+{info.get('token_calls', 0)} login), "
        f"{'unknown' if remaining is None else f'{remaining:,}'} daily API requests remaining"
    )


def collect_from_args(args: argparse.Namespace) -> tuple[Snapshot, Settings | None]:
    """Collect the org named by the flags; the settings stored with the credentials, if any."""
    credentials = credentials_from_args(args)
    host_policy = host_policy_from_args(args)
    ca_bundle = _ca_bundle(args)
    stored = credentials.settings
    # A --settings file (scan, collect) decides the look-back window and the permission
    # columns collected, as it will decide the evaluation.
    settings_path = getattr(args, "settings", None)
    if settings_path:
        credentials = credentials.model_copy(update={"settings": load_settings(settings_path)})
    timeout = float(getattr(args, "timeout", None) or DEFAULT_TIMEOUT_S)
    # A status line on a terminal, the collector's lines otherwise, nothing with --quiet.
    with terminal_progress(getattr(args, "quiet", False), _progress) as (progress, budget):
        snapshot = collect_snapshot(
            credentials,
            host_policy=host_policy,
            ca_bundle=ca_bundle,
            progress=progress,
            budget=budget,
            http_config=HttpConfig(deadline_s=timeout),
        )
    return snapshot, stored
