"""``sfscan doctor``: can sfscan see everything it needs in this org?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sfscan.cli import live
from sfscan.cli.exit_codes import OK, VIOLATIONS
from sfscan.collect.readiness import Readiness, check_credentials

DESCRIPTION = """\
Log in to a live org with the scanner's credentials (the same options as 'sfscan scan') and
report, per data source the rules read, whether sfscan can read it and with which API version:
the scanner user's effective permissions, describe of every object and field (a missing or
renamed field is a named gap), Metadata API access, the daily API budget, and whether the
scanner's own user passes the control (API Only, Login IP Ranges, the IP it logs in from).
Read-only; about 25 API calls. See docs/collect.md "sfscan doctor".

exit codes: 0 everything readable, 1 something is not readable (named in the output),
2 bad input (flags, credentials), 3 cannot log in (or API limit reached, org unreachable).
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        help="check what sfscan can read in a live org",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    live.add_live_arguments(p)
    p.set_defaults(handler=run)


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "unknown"}[value]


def _scanner_lines(scanner: dict[str, Any]) -> list[str]:
    ranges = scanner["login_ip_ranges"]
    inside = scanner["source_ip_inside_ranges"]
    where = "unknown" if inside is None else ("inside" if inside else "OUTSIDE")
    return [
        f"the scanner's own user against the control: {_yes(scanner['passes'])}",
        f"  API Only: {_yes(scanner['api_only'])}",
        "  Login IP Ranges: " + ("unreadable" if ranges is None else (", ".join(ranges) or "NONE")),
        f"  last login from: {scanner['source_ip'] or 'unknown'} ({where} the ranges)",
    ]


def render_table(readiness: Readiness) -> str:
    data = readiness.to_json()
    lines = [f"sfscan doctor: {data['instance_url']} as user {data['user_id']}, "]
    lines[0] += f"API v{data['api_version']}"
    lines.append("permissions of the scanner's user:")
    lines += [f"  {_yes(held):<8} {label}" for label, held in data["permissions"].items()]
    lines.append("data sources:")
    for key, status in data["sources"].items():
        mark = {True: "ok", False: "MISSING", None: "UNSURE"}[status["readable"]]
        gaps = status.get("optional_fields_missing")
        extra = f"  (optional fields missing: {', '.join(gaps)})" if gaps else ""
        why = f"  {status['reason']}" if "reason" in status else ""
        lines.append(f"  {mark:<8} {key} ({status['api']}){why}{extra}")
    daily = data["daily_api"]
    lines.append(
        "daily API requests: "
        + ("unknown" if daily is None else f"{daily['remaining']:,} of {daily['max']:,} left")
    )
    lines += _scanner_lines(data["scanner_user"])
    lines += [f"problem: {p}" for p in data["problems"]]
    missing = readiness.missing()
    verdict = "everything readable" if readiness.ok else f"{len(missing)} source(s) not readable"
    lines.append(f"result: {verdict}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    credentials = live.credentials_from_args(args)
    readiness = check_credentials(
        credentials,
        host_policy=live.host_policy_from_args(args),
        ca_bundle=live.ca_bundle_from_args(args),
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(readiness.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_table(readiness))
    return OK if readiness.ok else VIOLATIONS
