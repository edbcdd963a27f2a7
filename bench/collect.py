"""Collection benchmarks: the real client over HTTPS against the org simulator on loopback."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sfscan.collect.collector import collect_snapshot
from sfscan.collect.credentials import parse_credentials
from sfscan.collect.hosts import HostPolicy

from bench.synthetic import synthetic_snapshot
from orgsim import Faults, OrgSimulator

DEMO = Path(__file__).resolve().parents[1] / "orgsim" / "orgs" / "demo.json"


def _collect(snapshot: Any, *, faults: Faults, concurrency: int) -> dict[str, Any]:
    with OrgSimulator(snapshot, faults=faults, port=0) as sim:
        creds = parse_credentials(
            {
                "name": "bench",
                "login_url": sim.login_url,
                "auth": {
                    "flow": "jwt",
                    "client_id": sim.client_id,
                    "username": sim.username,
                    "private_key": Path(sim.private_key_file).read_text(),
                },
            },
            "bench",
        )
        start = time.perf_counter()
        snap = collect_snapshot(
            creds,
            host_policy=HostPolicy(["127.0.0.1"]),
            ca_bundle=sim.ca_bundle,
            concurrency=concurrency,
        )
        elapsed = time.perf_counter() - start
        return {
            "seconds": round(elapsed, 3),
            "api_calls": snap.collection.get("api_calls"),
            "login_rows": len(snap.sobjects.get("LoginHistory", [])),
            "login_history": snap.collection.get("login_history"),
            "users": len(snap.sobjects.get("User", [])),
        }


def run_collect_benchmarks() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.json"
        big.write_text(json.dumps(synthetic_snapshot(5_000, 100_000)))
        cases: list[tuple[str, Any, Faults, int]] = [
            ("demo org, no latency, 4 workers", DEMO, Faults(), 4),
            ("demo org, 50 ms latency, 1 worker", DEMO, Faults(latency_ms=50), 1),
            ("demo org, 50 ms latency, 4 workers", DEMO, Faults(latency_ms=50), 4),
            ("5k users, 100k logins, 4 workers", big, Faults(), 4),
        ]
        for label, snapshot, faults, workers in cases:
            row = {"case": label, **_collect(snapshot, faults=faults, concurrency=workers)}
            rows.append(row)
            print(
                f"  collect   {label:<38} {row['seconds']:6.2f}s  api_calls={row['api_calls']}"
                f"  users={row['users']}  login_rows={row['login_rows']} ({row['login_history']})",
                flush=True,
            )
    return rows
