"""``sfscan demo``: the serverless pipeline end to end on this machine (see pipeline/demo.py)."""

from __future__ import annotations

import argparse
from typing import Any

from sfscan.cli.exit_codes import OK

DESCRIPTION = """\
Run the whole pipeline locally with nothing to configure: a simulated Salesforce org (HTTPS on
127.0.0.1), AWS served by moto on 127.0.0.1, and the real Lambda handlers called in order
(dispatch -> scan -> publish). Shows the findings, the SNS message as an e-mail would show it and
the Security Hub findings; then fixes two things in the org, scans again and shows the
resolutions. Nothing is sent outside this machine. Needs a source checkout and the dev extras
(moto[server]); `make demo` runs it.
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="run the serverless pipeline locally against a simulated org (no setup)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sfscan.pipeline.demo import run_demo

    run_demo(lambda line: print(line, flush=True))
    return OK
