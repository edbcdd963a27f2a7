"""Helpers for the reliability tests: the demo org, credentials, and a listener that must stay
silent (imported by name, so kept unique)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sfscan.collect.collector import collect_snapshot
from sfscan.collect.credentials import OrgCredentials, parse_credentials
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import HttpConfig
from sfscan.domain.snapshot import Snapshot, load_snapshot

from orgsim import OrgSimulator

ROOT = Path(__file__).resolve().parents[3]
DEMO_PATH = ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS_PATH = ROOT / "orgsim" / "orgs" / "demo.settings.json"
NO_SLEEP = HttpConfig(sleep=lambda _: None)


def demo() -> Snapshot:
    return load_snapshot(DEMO_PATH)


def secret_data(sim: OrgSimulator) -> dict[str, Any]:
    return sim.jwt_secret()


def credentials(sim: OrgSimulator) -> OrgCredentials:
    return parse_credentials(secret_data(sim))


def sim_only(sim: OrgSimulator) -> HostPolicy:
    """Allow the simulator's own host:port and nothing else on 127.0.0.1."""
    return HostPolicy([sim.login_url.removeprefix("https://")])


def collect(sim: OrgSimulator, **kwargs: Any) -> Snapshot:
    kwargs.setdefault("host_policy", sim_only(sim))
    kwargs.setdefault("http_config", NO_SLEEP)
    kwargs.setdefault("now", demo().captured_at)
    return collect_snapshot(credentials(sim), ca_bundle=sim.ca_bundle, **kwargs)


class _LoopbackServer:
    """A server thread on 127.0.0.1 handing each connection to ``handle``; stops by itself
    when the ``with`` block ends."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.bind(("127.0.0.1", 0))
        raw.listen(8)
        raw.settimeout(0.2)
        self.port = raw.getsockname()[1]
        self._sock = context.wrap_socket(raw, server_side=True) if context else raw
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:  # the accept timeout, or a client that gave up during TLS
                continue
            with conn:
                self.handle(conn)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


class SilentListener(_LoopbackServer):
    """A TCP listener that records every connection it receives (it should get none). Reached
    as ``https://localhost:<port>``: a host the allow-list does not name."""

    def __init__(self) -> None:
        super().__init__()
        self.url = f"https://localhost:{self.port}"
        self.received: list[bytes] = []

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(1.0)
        try:
            self.received.append(conn.recv(65536))
        except OSError:
            self.received.append(b"")


class DrippingServer(_LoopbackServer):
    """An HTTPS server that answers each request by sending ``head`` one byte every
    ``interval`` seconds: never silent long enough for a read timeout."""

    def __init__(self, cert: Path, key: Path, head: bytes, interval: float) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        super().__init__(context)
        self.head, self.interval, self.sent = head, interval, 0

    def handle(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)  # the request
            for i in range(len(self.head)):
                if self._stop.is_set():
                    return
                conn.sendall(self.head[i : i + 1])
                self.sent += 1
                time.sleep(self.interval)
        except OSError:
            return  # the client gave up on us, as it should
