"""Entry point: ``sfscan <command>``. Each command lives in its own module with a register()."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sfscan import __version__
from sfscan.cli import collect, demo, doctor, org, publish, rules, scan
from sfscan.cli.exit_codes import BAD_INPUT, INCOMPLETE
from sfscan.domain.errors import InputError, ScanIncompleteError

EPILOG = """\
exit codes:
  0  scan done, no FAILED finding at or above --fail-on
  1  a FAILED finding at or above --fail-on
  2  bad input: flags, settings, snapshot or credentials (message on stderr)
  3  the scan could not complete (auth refused, API limit reached, org unreachable)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfscan",
        description=(
            "Check Salesforce orgs against 'OAuth Access Policies - Enforce IP Restrictions': "
            "integration users are API-only and IP-restricted, connected apps enforce IP "
            "restrictions, and API logins come from the company network."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=rules.version_text(__version__))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (scan, collect, org, rules, publish, demo, doctor):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except InputError as exc:
        print(f"sfscan: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except ScanIncompleteError as exc:
        print(f"sfscan: scan incomplete: {exc}", file=sys.stderr)
        return INCOMPLETE
    except KeyboardInterrupt:
        print("sfscan: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
