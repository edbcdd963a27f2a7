"""``sfscan scan``: evaluate a saved snapshot (offline) or a live org, print or save a report."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from sfscan.cli import live, rules
from sfscan.cli.exit_codes import OK, VIOLATIONS
from sfscan.cli.files import write_atomically
from sfscan.domain.errors import InputError
from sfscan.domain.findings import Severity, Status
from sfscan.domain.settings import Settings, load_settings, parse_settings
from sfscan.domain.snapshot import Snapshot, load_snapshot
from sfscan.engine import ScanResult, evaluate
from sfscan.report import render_csv, render_json, render_table
from sfscan.report.table import DEFAULT_WIDTH

FORMATS = ("table", "json", "csv", "asff", "ocsf", "html")
DEFAULT_FAIL_ON = "HIGH"
FAIL_ON_NEVER = "NONE"
_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")

DESCRIPTION = """\
Evaluate the control's rules and report every finding.

With --snapshot FILE the scan is offline: the saved snapshot (from `sfscan collect`, or the bundled
demo org) is evaluated at its captured_at time, so the result is the same every time. Without
--snapshot the org is collected live first, using the credential flags below.
"""

EPILOG = f"""\
formats (--format):
  table  findings grouped by rule, worst first, wrapped to the terminal (default)
  json   {{org_id, org_name, evaluated_at, findings: [...], summary, incomplete_rules,
         unavailable}}; each finding has rule_id, org_id, resource_type, resource_id,
         resource_name, status, severity, title, detail, evidence, remediation, suppressed,
         compliance (framework -> requirement ids)
  csv    one row per finding; evidence as compact JSON, remediation_text, remediation_url,
         compliance
  asff   a JSON list of AWS Security Finding Format findings, ready for
         `aws securityhub batch-import-findings --findings file://...`; account and region
         from --aws-account-id / --region, else STS and the AWS environment (AWS_REGION, ...)
  ocsf   a JSON list of OCSF Compliance Finding (class 2003) records (Security Lake)
  html   one self-contained HTML report for people (use with --output report.html)

settings (--settings FILE, JSON; see docs/settings.md):
  allowed_networks, lookback_days, outside_login_scope, integration_users, excessive_permissions,
  suppressions. Precedence: --settings, else the settings recorded in the snapshot (--snapshot)
  or stored with the org's credentials (live scans), else the defaults. With no
  allowed_networks, SF-IU-03 and SF-NET-01 are NOT_AVAILABLE.
  Invalid settings are refused (exit 2) with the field named, e.g. allowed_networks.0.

exit codes:
  0  scan done, no unsuppressed FAILED finding at or above --fail-on
  1  an unsuppressed FAILED finding at or above --fail-on (default {DEFAULT_FAIL_ON};
     INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL in any case, or "none" to never fail)
  2  bad input: flags, settings or snapshot (message on stderr names the file and field)
  3  the scan could not complete (auth refused, API limit reached, org unreachable,
     --timeout passed)
  4  internal error (one line on stderr; --debug prints the traceback)

examples:
  sfscan scan --snapshot orgsim/orgs/demo.json --settings orgsim/orgs/demo.settings.json
  sfscan scan --snapshot acme.json --format json --output findings.json
  sfscan scan --snapshot acme.json --format csv --fail-on none > findings.csv
  sfscan scan --snapshot acme.json --fail-on critical
  sfscan scan --snapshot acme.json --status failed,not_available   # hide what passed
  sfscan scan --snapshot acme.json --rules 'SF-IU-*,SF-CA-*' --severity high,critical
  sfscan scan --snapshot acme.json --format html --output report.html
  sfscan scan --snapshot acme.json --format asff --aws-account-id 123456789012 \\
      --region eu-west-1 --output asff.json
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="evaluate a saved snapshot or a live org and report findings",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--snapshot",
        metavar="FILE",
        help="evaluate this saved snapshot offline instead of collecting from a live org",
    )
    p.add_argument("--settings", metavar="FILE", help="org settings JSON (overrides stored ones)")
    p.add_argument(
        "--format",
        default="table",
        type=str.lower,
        choices=FORMATS,
        help="report format (default: table)",
    )
    p.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        default=DEFAULT_FAIL_ON,
        help=f"exit 1 when a FAILED finding is at or above this severity (default: "
        f"{DEFAULT_FAIL_ON}; 'none' never fails)",
    )
    p.add_argument(
        "--status",
        metavar="STATUS[,STATUS]",
        help="report only findings with these statuses, e.g. failed,not_available (default: "
        "all); the exit code still considers every finding",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of stdout",
    )
    _add_asff_arguments(p)
    rules.add_selection_arguments(p)
    live.add_live_arguments(p)
    p.set_defaults(handler=run)


def _add_asff_arguments(p: argparse.ArgumentParser) -> None:
    asff = p.add_argument_group("ASFF (--format asff)")
    asff.add_argument(
        "--aws-account-id", metavar="ID", help="12-digit AWS account id [STS caller identity]"
    )
    asff.add_argument(
        "--region",
        dest="region",
        metavar="REGION",
        help="AWS region, e.g. eu-west-1 [AWS_REGION, AWS_DEFAULT_REGION, profile]",
    )
    asff.add_argument(
        "--partition",
        choices=_PARTITIONS,
        help="AWS partition (default: the caller's, else aws)",
    )
    asff.add_argument("--profile", metavar="NAME", help="AWS named profile [AWS_PROFILE]")


def parse_fail_on(value: str) -> Severity | None:
    """The threshold severity, or None for "never fail"."""
    folded = value.strip().upper()
    if folded == FAIL_ON_NEVER:
        return None
    try:
        return Severity(folded)
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise InputError(
            f"--fail-on: {value!r} is not a severity; use one of {allowed} or none"
        ) from None


def parse_statuses(value: str | None) -> frozenset[Status] | None:
    """The statuses to report, or None for all."""
    if value is None:
        return None
    names = [part.strip().upper() for part in value.split(",") if part.strip()]
    try:
        return frozenset(Status(name) for name in names) or None
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InputError(f"--status: {value!r} names an unknown status; use {allowed}") from None


def exit_code(result: ScanResult, threshold: Severity | None) -> int:
    worst = result.worst_failed()
    if threshold is None or worst is None:
        return OK
    return VIOLATIONS if worst.at_least(threshold) else OK


def _check_asff_flags(args: argparse.Namespace) -> None:
    """Fill --aws-account-id / --region / --partition for ASFF: flags, else the environment's
    region (AWS_REGION, AWS_DEFAULT_REGION, profile) and STS's caller identity."""
    if args.format != "asff":
        return
    if args.aws_account_id and not _ACCOUNT_ID.fullmatch(args.aws_account_id):
        raise InputError("--aws-account-id: --format asff needs the 12-digit AWS account id")
    if args.region and not _REGION.fullmatch(args.region):
        raise InputError("--region: --format asff needs an AWS region such as eu-west-1")
    if args.aws_account_id and args.region:
        return
    from sfscan.cli import aws

    session = aws.session(args.region, args.profile)
    args.region = args.region or session.region
    if not args.aws_account_id:
        arn = session.caller()["Arn"]  # arn:<partition>:sts::<account>:...
        args.aws_account_id = arn.split(":")[4]
        args.partition = args.partition or arn.split(":")[1]


def _load_inputs(args: argparse.Namespace) -> tuple[Snapshot, Settings]:
    # Settings first: a bad configuration stops the scan before anything is read or collected.
    file_settings = load_settings(args.settings) if args.settings else None
    if args.snapshot:
        snapshot = load_snapshot(args.snapshot)
        # The settings it was collected with: the same judgement as the live scan gave.
        stored_settings = (
            None
            if snapshot.settings is None
            else parse_settings(snapshot.settings, f"{args.snapshot}: settings")
        )
    else:
        snapshot, stored_settings = live.collect_from_args(args)
        print(f"sfscan: collected: {live.budget_text(snapshot)}", file=sys.stderr)
    settings = file_settings or stored_settings
    if settings is None:
        settings = Settings()
        print(
            "sfscan: no --settings given, using the defaults (allowed_networks is empty, so "
            "SF-IU-03 and SF-NET-01 are NOT_AVAILABLE)",
            file=sys.stderr,
        )
    return snapshot, settings


def _use_colour(args: argparse.Namespace) -> bool:
    return args.output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def render(
    result: ScanResult,
    args: argparse.Namespace,
    hidden: dict[str, int] | None = None,
    settings: Settings | None = None,
) -> str:
    if args.format in ("ocsf", "html"):
        from sfscan.report.formats import render_optional  # needs the optional report extras

        return render_optional(result, args.format, hidden=hidden, settings=settings)
    if args.format == "json":
        return render_json(result, hidden)
    if args.format == "csv":
        return render_csv(result)
    if args.format == "asff":
        # Imported here: the publishing code is only needed for this format.
        import json

        from sfscan.publish.asff import findings_to_asff

        asff = findings_to_asff(
            result,
            account_id=args.aws_account_id,
            region=args.region,
            partition=args.partition or "aws",
        )
        return json.dumps(asff, indent=2, ensure_ascii=False) + "\n"
    width = DEFAULT_WIDTH
    if args.output is None and sys.stdout.isatty():
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return render_table(result, width=width, colour=_use_colour(args), hidden=hidden)


def run(args: argparse.Namespace) -> int:
    threshold = parse_fail_on(args.fail_on)
    statuses = parse_statuses(args.status)
    _check_asff_flags(args)
    selected = rules.select_rules(args.rules, args.exclude_rules, args.severity)
    snapshot, settings = _load_inputs(args)
    result = evaluate(snapshot, settings, rules=selected)
    shown, hidden = result, None
    if statuses is not None:
        shown = replace(result, findings=tuple(f for f in result.findings if f.status in statuses))
        hidden = dict(Counter(f.status.value for f in result.findings if f.status not in statuses))
    text = render(shown, args, hidden, settings)
    if args.output:
        write_atomically(Path(args.output), text, flag="--output")
        print(f"sfscan: wrote {len(shown.findings)} findings to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return exit_code(result, threshold)
