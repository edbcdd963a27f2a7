"""Entry point: ``sfscan <command>``. Each command lives in its own module with a register()."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from sfscan import __version__
from sfscan.cli import collect, demo, doctor, org, publish, rules, scan
from sfscan.cli.exit_codes import BAD_INPUT, INCOMPLETE, INTERNAL_ERROR, INTERRUPTED
from sfscan.domain.errors import InputError, ScanIncompleteError

EPILOG = """\
exit codes:
  0  scan done, no FAILED finding at or above --fail-on
  1  a FAILED finding at or above --fail-on
  2  bad input: flags, settings, snapshot or credentials (message on stderr)
  3  the scan could not complete (auth refused, API limit reached, org unreachable,
     --timeout passed)
  4  internal error: a bug in sfscan (one line on stderr; add --debug for the traceback)
130  interrupted (Ctrl-C)
"""


DEBUG_HELP = "on an internal error, print the traceback (never needed for exit codes 1-3)"


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
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    for command in sub.choices.values():  # `sfscan scan --debug` works too
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help=DEBUG_HELP)  # fmt: skip
    return parser


def _internal_error(exc: Exception, debug: bool) -> int:
    """An error sfscan did not expect: one line (type and first line, bounded), or the
    traceback with --debug. Never exit 1, which means "violations found"."""
    if debug:
        traceback.print_exc()
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    hint = "" if debug else "; run again with --debug for the traceback"
    print(f"sfscan: internal error ({detail}){hint}; please report it", file=sys.stderr)
    return INTERNAL_ERROR


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
        return INTERRUPTED
    except Exception as exc:
        return _internal_error(exc, bool(getattr(args, "debug", False)))
    return code


def entry() -> None:
    """The ``sfscan`` console script. On Ctrl-C it leaves at once: requests still in flight in
    the collector's worker threads would otherwise hold the interpreter until they time out."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
