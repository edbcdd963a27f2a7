"""``sfscan demo``: the serverless pipeline end to end on this machine.

The demo itself lives in the development harness (harness/sfscan_harness/demo.py), which needs the
org simulator, moto and the Lambda handlers of a source checkout. None of that ships in the sfscan
wheel or the Lambda layer, so an installed sfscan says what to do instead of failing on an import.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sfscan.cli.exit_codes import BAD_INPUT, OK

DESCRIPTION = """\
Run the whole pipeline locally with nothing to configure: a simulated Salesforce org (HTTPS on
127.0.0.1), AWS served by moto on 127.0.0.1, and the real Lambda handlers called in order
(dispatch -> scan -> publish). Shows the findings, the SNS message as an e-mail would show it and
the Security Hub findings; then fixes two things in the org, scans again and shows the
resolutions. Nothing is sent outside this machine. Needs a source checkout: `make demo` installs
the development tools (the org simulator, moto, the local harness) into .venv and runs it.
"""

NOT_INSTALLED = """\
sfscan demo: the demo needs development tools that are not installed here (no module named \
'{module}').
It runs from a source checkout of sfscan, where `make demo` installs them into .venv (the org \
simulator 'orgsim', moto and the local harness 'sfscan-harness') and runs the demo.
An installed sfscan scans without them: `sfscan scan --snapshot FILE` or `sfscan scan` against an \
org (see `sfscan scan --help`)."""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="run the serverless pipeline locally against a simulated org (source checkout only)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from sfscan_harness.demo import run_demo
    except ModuleNotFoundError as missing:
        print(NOT_INSTALLED.format(module=missing.name), file=sys.stderr)
        return BAD_INPUT
    run_demo(lambda line: print(line, flush=True))
    return OK
