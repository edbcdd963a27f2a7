"""``sfscan collect``: save a live org's snapshot (auditors' evidence, input for offline scans)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sfscan.cli import live
from sfscan.cli.exit_codes import OK
from sfscan.cli.files import write_atomically
from sfscan.domain.errors import InputError
from sfscan.domain.snapshot import Snapshot

DESCRIPTION = """\
Collect a snapshot of a live org (read-only: SOQL, Tooling and Metadata API reads) and save it as
JSON. Evaluate it later with 'sfscan scan --snapshot FILE'. Sources the scanner's user cannot read
are recorded under "unavailable" and make the rules that need them NOT_AVAILABLE.

exit codes: 0 saved, 2 bad input (flags, credentials, file), 3 incomplete (login refused, API
limit reached, org unreachable, --timeout passed; nothing is written), 4 internal error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "collect",
        help="save a live org's snapshot to a file",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the snapshot JSON")
    p.add_argument(
        "--settings",
        metavar="FILE",
        help="settings JSON deciding the login-history window and permission columns collected "
        "(default: the settings in --secret-file, else the defaults)",
    )
    live.add_live_arguments(p)
    p.set_defaults(handler=run)


def summary_line(snapshot: Snapshot, out: Path) -> str:
    records = ", ".join(
        f"{name} {len(rows)}"
        for section in (snapshot.sobjects, snapshot.tooling, snapshot.metadata)
        for name, rows in section.items()
    )
    info = snapshot.collection
    spent = live.budget_text(snapshot)
    unavailable = ", ".join(snapshot.unavailable) or "none"
    truncated = ", ".join(info.get("truncated") or {}) or "none"
    return (
        f"sfscan: saved {out}: {records}; {spent}; unavailable: {unavailable}; "
        f"truncated: {truncated}"
    )


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    # Refuse a bad destination before spending API calls on the org.
    if out.is_dir() or not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise InputError(f"--out: {out} is not a file path in an existing directory")
    snapshot, _ = live.collect_from_args(args)
    text = json.dumps(snapshot.to_json_dict(), indent=1, ensure_ascii=False) + "\n"
    write_atomically(out, text, flag="--out")
    print(summary_line(snapshot, out), file=sys.stderr)
    return OK
