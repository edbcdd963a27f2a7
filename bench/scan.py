"""One live scan through the org simulator, measured from outside both processes.

The simulator runs in its own process (``python -m orgsim --latency-ms 50``), so the peak memory
measured here (``ru_maxrss`` of a child that only scans) is the scanner's alone, as in a Lambda
invocation. The child collects through the real client over HTTPS, then evaluates the rules.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orgsim.soql import parse_datetime

ROWS_PER_PAGE = 2000
NAMES_PER_READ = 10  # readMetadata takes up to 10 names a call
# Calls every scan makes whatever the org's size: the token and COUNT() of OauthToken (its
# 2,500-row cap). The readiness check is not in the floor: its calls count against it.
FIXED_CALLS = {"authentication": 1, "OauthToken COUNT()": 1}
RAW_SOURCES = (
    "Organization", "User", "Profile", "UserLicense", "PermissionSet", "PermissionSetGroup",
    "PermissionSetAssignment", "LoginIpRange", "ConnectedApplication", "OauthToken",
)  # fmt: skip
TOOLING_SOURCES = ("SecurityHealthCheck", "SecurityHealthCheckRisks")
LISTED_TYPES = ("ConnectedApp", "ExternalClientApplication", "ExtlClntAppOauthConfigurablePolicies")


def _pages(rows: int) -> int:
    return max(1, math.ceil(rows / ROWS_PER_PAGE))


def login_groups(rows: list[dict[str, Any]], start: datetime, end: datetime) -> tuple[int, int]:
    """(distinct (user, type, status, IP, app) groups, logins) inside the scan's window."""
    keys = set()
    count = 0
    for r in rows:
        if start < parse_datetime(r["LoginTime"]) <= end:
            count += int(r.get("count") or 1)
            keys.add((r["UserId"], r["LoginType"], r["Status"], r["SourceIp"], r["Application"]))
    return len(keys), count


def api_floor(snapshot: dict[str, Any], start: datetime, end: datetime) -> dict[str, int]:
    """The fewest calls that can read this org: per source, per metadata type, fixed calls."""
    sob = snapshot["sobjects"]
    floor = dict(FIXED_CALLS)
    for name in RAW_SOURCES:
        floor[name] = _pages(1 if name == "Organization" else len(sob.get(name, [])))
    for name in TOOLING_SOURCES:
        floor[name] = _pages(len(snapshot["tooling"].get(name, [])))
    groups, rows = login_groups(sob["LoginHistory"], start, end)
    floor["LoginHistory"] = min(_pages(groups), _pages(rows))
    floor["listMetadata"] = 1  # one call lists the three types
    for name in LISTED_TYPES:
        floor[f"readMetadata {name}"] = math.ceil(len(snapshot["metadata"][name]) / NAMES_PER_READ)
    floor["readMetadata SecuritySettings"] = 1
    return floor


def start_simulator(snapshot_file: Path, latency_ms: int) -> tuple[subprocess.Popen[str], Any]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "orgsim", "--snapshot", str(snapshot_file),
         "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"the simulator did not start for {snapshot_file}")
    return proc, json.loads(line)


_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)
_SOAP_TYPE = re.compile(rb"<(?:\w+:)?(?:type|metadataType)>(\w+)<")


def classify(method: str, url: str, body: Any, params: Any = None) -> str:
    """The floor row a request counts against (see api_floor)."""
    if isinstance(body, str):
        body = body.encode()
    parts = urlsplit(url)
    parts = parts._replace(path=parts.path.rstrip("/"))
    if parts.path.endswith("/oauth2/token"):
        return "authentication"
    if "/Soap/m/" in parts.path:
        if b"listMetadata" in (body or b""):
            return "listMetadata"
        found = _SOAP_TYPE.search(body or b"")
        return f"readMetadata {found.group(1).decode() if found else '?'}"
    if parts.path.endswith("/limits"):
        return "limits"
    if parts.path.endswith("/composite"):
        return "tooling composite" if "/tooling/" in parts.path else "composite"
    if parts.path.endswith("/describe"):
        return "describe"
    soql = " ".join(parse_qs(parts.query).get("q", [""])) or str((params or {}).get("q", ""))
    found = _FROM.search(soql)
    name = found.group(1) if found else "query more"
    if "COUNT()" in soql and name == "OauthToken":
        return "OauthToken COUNT()"
    return name


_NEXT = re.compile(rb'"nextRecordsUrl":\s*"([^"]+)"')


def _locator(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1].split("-")[0]


def _instrument() -> tuple[Counter[str], list[int]]:
    """Count every request the scanner's HTTP session answers, by floor row, and the bytes
    received (the session reads each body itself, so it is counted once it has been read)."""
    from sfscan.collect.http import ScanSession

    calls: Counter[str] = Counter()
    received = [0]
    original = ScanSession.request
    cursors: dict[str, str] = {}  # query locator -> the object its first page read

    def request(self: ScanSession, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = original(self, method, url, *args, **kwargs)
        content = response.content or b""
        received[0] += len(content)
        row = classify(method, url, kwargs.get("data"), kwargs.get("params"))
        if row == "query more":
            row = cursors.get(_locator(url), row)
        found = _NEXT.search(content[:400])
        if found:
            cursors[_locator(found.group(1).decode())] = row
        calls[row] += 1
        return response

    ScanSession.request = request  # type: ignore[method-assign]
    _mark_readiness(calls)
    return calls, received


def _mark_readiness(calls: Counter[str]) -> None:
    """Requests made by the readiness check (collect/readiness.py: one REST and one Tooling
    Composite request holding every describe, the scanner's own permissions, profile, ranges
    and last login, and the collection's Organization and Tooling queries; the listMetadata
    the collection reuses) are counted as one row of their own."""
    from sfscan.collect import collector, readiness

    original = readiness.check

    def check(client: Any, **kwargs: Any) -> Any:
        before = Counter(calls)
        try:
            return original(client, **kwargs)
        finally:
            spent = calls - before
            calls.subtract(spent)
            for row, n in spent.items():
                calls[f"readiness check: {row}"] += n

    readiness.check = check
    if getattr(collector, "check", None) is original:
        collector.check = check  # type: ignore[attr-defined]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries that over
    an exec from the process that spawned us (here the bench, holding the generated org)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource  # not Linux: the best there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_scan(ready: dict[str, Any], captured_at: str) -> dict[str, Any]:
    """Runs in the measured child process: collect, then evaluate; returns the figures."""
    from sfscan.collect.collector import collect_snapshot
    from sfscan.collect.credentials import parse_credentials
    from sfscan.collect.hosts import HostPolicy
    from sfscan.domain.settings import parse_settings
    from sfscan.engine import evaluate

    creds = parse_credentials(
        {
            "name": "bench",
            "login_url": ready["login_url"],
            "auth": {
                "flow": "jwt",
                "client_id": ready["client_id"],
                "username": ready["username"],
                "private_key": Path(ready["private_key_file"]).read_text(),
            },
        },
        "bench",
    )
    now = parse_datetime(captured_at)
    calls, received = _instrument()
    started = time.perf_counter()
    snap = collect_snapshot(
        creds, host_policy=HostPolicy(["127.0.0.1"]), ca_bundle=ready["ca_bundle"], now=now
    )
    collect_s = time.perf_counter() - started
    collect_peak = peak_rss_mb()
    settings = parse_settings({"allowed_networks": ["203.0.113.0/24", "198.51.100.0/24"]})
    started = time.perf_counter()
    result = evaluate(snap, settings)
    evaluate_s = time.perf_counter() - started
    return {
        "collect_s": round(collect_s, 2),
        "evaluate_s": round(evaluate_s, 2),
        "calls": {k: v for k, v in calls.items() if v},
        "bytes_received": received[0],
        "rows_kept": sum(len(v) for v in snap.sobjects.values()),
        "login_history_mode": snap.collection["login_history"],
        "login_history_rows_kept": len(snap.sobjects.get("LoginHistory", [])),
        "unavailable": sorted(snap.unavailable),
        "findings": dict(Counter(str(f.status) for f in result.findings)),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_collect_mb": round(collect_peak, 1),
    }


if __name__ == "__main__":
    # python -m bench.scan '<ready json>' <captured_at>: the measured child.
    print(json.dumps(child_scan(json.loads(sys.argv[1]), sys.argv[2])))
