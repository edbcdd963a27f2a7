"""The HTTPS server and ``OrgSimulator``, the context manager tests and demos use."""

from __future__ import annotations

import secrets
import shutil
import ssl
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sfscan.domain.errors import InputError
from sfscan.domain.snapshot import Snapshot

from orgsim.api import LogEntry, OrgApi, Request
from orgsim.auth import (
    KeyMaterial,
    Sessions,
    TokenEndpoint,
    generate_key_material,
    release_key_material,
)
from orgsim.faults import Faults
from orgsim.store import OrgStore, load_any
from orgsim.timeshift import rebase


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients reuse connections
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    timeout = 30  # an idle kept-alive connection must not hold a thread forever
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if self.headers.get_content_type() == "application/x-www-form-urlencoded" and body:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        resp = self.server.api.handle(Request(self.command, url.path, params, headers, body))
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if resp.drip_interval_s <= 0:
            self.wfile.write(resp.body)
            return
        try:
            for i in range(len(resp.body)):  # a drip fault: one byte at a time
                self.wfile.write(resp.body[i : i + 1])
                self.wfile.flush()
                time.sleep(resp.drip_interval_s)
        except OSError:
            self.close_connection = True  # the client gave up on us, as it should

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is the record; stderr noise helps nobody in tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, api: OrgApi, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = api
        # Handshake lazily in the handler thread, so one silent client cannot stall accept().
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )


class OrgSimulator:
    """A Salesforce org on https://127.0.0.1:<port>, answering from a snapshot."""

    def __init__(
        self,
        snapshot: Snapshot | dict[str, Any] | str | Path,
        faults: Faults | None = None,
        port: int = 0,
        as_of: datetime | None = None,
        username: str | None = None,
    ) -> None:
        # as_of: serve the org as if captured at that moment (e.g. now), see timeshift.py.
        # username: log in as this snapshot user, whose permissions decide what it may read
        # (access.py); None: the default user, a fully provisioned scanner.
        self._username = username
        self._snapshot = load_any(snapshot)
        if as_of is not None:
            self._snapshot = rebase(self._snapshot, as_of)
        self._faults = faults or Faults()
        self._port = port
        self._tmp: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.client_id = "3MVG9orgsim." + secrets.token_urlsafe(24)
        self.client_secret = secrets.token_hex(32)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> OrgSimulator:
        self._tmp = Path(tempfile.mkdtemp(prefix="orgsim-"))
        try:
            self._keys: KeyMaterial = generate_key_material(self._tmp)
            self.store = OrgStore(self._snapshot)
            self.username = self._login_user()
            self._sessions = Sessions(str(self.store.org.get("Id", "")))
            # Bind first: the URLs (and the JWT audience) need the real port.
            self.login_url = self.instance_url = self._bind()
            tokens = TokenEndpoint(
                self.store, self._sessions, self.client_id, self.client_secret,
                self._keys.jwt_cert_file, self.login_url, self.username,
            )  # fmt: skip
            full = None if self._username else self.username
            self._api = OrgApi(self.store, self._sessions, tokens, self._faults, full)
            user = self.store.user_by_username(self.username) or {}
            self._token = self._sessions.issue(self.username, str(user.get("Id", "")), 0)
            self._serve()
        except BaseException:
            self.stop()
            raise
        return self

    def _bind(self) -> str:
        """Listen on 127.0.0.1 and return the org's URL (login and instance)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._keys.tls_cert_file, self._keys.tls_key_file)
        self._server = _Server(self._port, None, context)  # type: ignore[arg-type]
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def _serve(self) -> None:
        """Answer requests from now on, with the ``OrgApi`` built for the URL ``_bind`` gave."""
        assert self._server is not None
        self._server.api = self._api
        # A short poll: stop() waits for the serving loop to notice (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="orgsim", daemon=True
        )
        self._thread.start()

    def _login_user(self) -> str:
        if self._username is None:
            return self.store.api_username()
        user = self.store.user_by_username(self._username)
        if user is None or not user.get("IsActive"):
            raise InputError(
                f"--username {self._username}: no active User with that Username in the snapshot"
            )
        return str(user["Username"])

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()
            self._server = None
            self._thread = None
        if self._tmp is not None:
            keys: KeyMaterial | None = getattr(self, "_keys", None)
            if keys is not None:
                release_key_material(keys)
                del self._keys
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> OrgSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need -------------------------------------------------------------------------

    @property
    def ca_bundle(self) -> str:
        return str(self._keys.tls_cert_file)

    @property
    def private_key_file(self) -> str:
        return str(self._keys.jwt_private_key_file)

    @property
    def jwt_cert_file(self) -> str:
        return str(self._keys.jwt_cert_file)

    def jwt_secret(self, name: str = "demo", client_id: str | None = None) -> dict[str, Any]:
        """An org secret in sfscan's credentials format that logs in here with the JWT flow."""
        return {
            "name": name,
            "login_url": self.login_url,
            "auth": {
                "flow": "jwt",
                "client_id": client_id or self.client_id,
                "username": self.username,
                "private_key": Path(self.private_key_file).read_text(),
            },
        }

    @property
    def access_token(self) -> str:
        """A token that works now (a fresh one once ``expire_token_after`` retired the last)."""
        if not self._sessions.valid(self._token, self._api.api_calls + 1, self._api.faults):
            user = self.store.user_by_username(self.username) or {}
            self._token = self._sessions.issue(
                self.username, str(user.get("Id", "")), self._api.api_calls
            )
        return self._token

    @property
    def api_calls(self) -> int:
        return self._api.api_calls

    @property
    def request_log(self) -> list[LogEntry]:
        return list(self._api.request_log)

    @property
    def faults(self) -> Faults:
        return self._api.faults

    def set_faults(self, faults: Faults) -> None:
        self._api.set_faults(faults)

    # -- admin changes ---------------------------------------------------------------------------

    def set_ip_relaxation(self, app_full_name: str, value: str) -> None:
        self.store.set_ip_relaxation(app_full_name, value)

    def add_permission_set_assignment(self, assignee_id: str, permission_set_id: str) -> str:
        return self.store.add_permission_set_assignment(assignee_id, permission_set_id)

    def add_login_ip_range(
        self, profile_id: str, start: str, end: str, description: str = ""
    ) -> str:
        return self.store.add_login_ip_range(profile_id, start, end, description)

    def set_session_setting(self, name: str, value: bool) -> None:
        self.store.set_session_setting(name, value)
