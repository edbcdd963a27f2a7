"""``python -m orgsim --snapshot FILE [...]``: serve an org until SIGINT/SIGTERM.

Prints one JSON line when ready (URLs, CA bundle, credentials, a token), so a script or another
process can connect; exits 0 and removes its temporary files when stopped.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

from sfscan.domain.errors import InputError

from orgsim.faults import Faults, parse_int_set, parse_name_set
from orgsim.server import OrgSimulator


def _faults(args: argparse.Namespace) -> Faults:
    return Faults(
        latency_ms=args.latency_ms,
        expire_token_after=args.expire_token_after,
        request_limit_after=args.request_limit_after,
        server_error_on=parse_int_set(args.server_error_on),
        insufficient_access=parse_name_set(args.insufficient_access),
        invalid_type=parse_name_set(args.invalid_type),
        truncate_body_on=parse_int_set(args.truncate_body_on),
        daily_api_max=args.daily_api_max,
        missing_fields=parse_name_set(args.missing_field),
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m orgsim", description=__doc__.splitlines()[0])
    p.add_argument("--snapshot", required=True, help="sfscan-snapshot/1 JSON file to serve")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--expire-token-after", type=int, metavar="N")
    p.add_argument("--request-limit-after", type=int, metavar="N")
    p.add_argument("--server-error-on", metavar="3,7", help="call numbers that answer 503")
    p.add_argument("--insufficient-access", metavar="LoginHistory,ConnectedApp")
    p.add_argument("--invalid-type", metavar="NAME,...")
    p.add_argument("--truncate-body-on", metavar="N,...", help="call numbers with half a body")
    p.add_argument("--daily-api-max", type=int, default=15000)
    p.add_argument(
        "--missing-field",
        metavar="Object.Field,...",
        help="fields this org does not have (left out of describe, INVALID_FIELD in queries)",
    )
    p.add_argument(
        "--username",
        metavar="USER",
        help="log in as this snapshot user: its profile and permission sets decide what the "
        "org serves (default: a fully provisioned API user of the snapshot)",
    )
    p.add_argument(
        "--as-of",
        metavar="now|ISO-8601",
        help="serve the org as if captured at this moment: every record date-time moves by the "
        "same amount, so a live scan's look-back window sees the snapshot's logins",
    )
    return p


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value == "now":
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = _faults(args)
        as_of = _as_of(args.as_of)
    except ValueError as exc:
        print(f"orgsim: bad option: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sim = OrgSimulator(
            args.snapshot, faults=faults, port=args.port, as_of=as_of, username=args.username
        ).start()  # an unknown --username is refused here
    except InputError as exc:
        print(f"orgsim: {exc}", file=sys.stderr)
        return 2
    try:
        ready = {
            "login_url": sim.login_url,
            "instance_url": sim.instance_url,
            "ca_bundle": sim.ca_bundle,
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "username": sim.username,
            "private_key_file": sim.private_key_file,
            "access_token": sim.access_token,
        }
        print(json.dumps(ready), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
