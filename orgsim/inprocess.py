"""The simulator without sockets: ``requests`` sessions hand their requests to ``OrgApi.handle``.

``InProcessOrg`` is an ``OrgSimulator`` that binds no port and runs no server thread; its URL is a
made-up ``https://org<n>.orgsim.invalid`` host that only its ``session()`` (or any session given
``mount()``) can reach. Everything the org answers is the same ``OrgApi`` the HTTPS server
adapts, so tests of what the org says need no TLS handshake, no thread and no port. What only
the server does (TLS, dripping a body one byte at a time, the ``python -m orgsim`` process) needs
the real ``OrgSimulator``.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from orgsim.api import OrgApi, Request
from orgsim.server import OrgSimulator

_NUMBERS = itertools.count(1)


class OrgApiAdapter(BaseAdapter):
    """A ``requests`` transport that answers from an ``OrgApi``, in the calling thread."""

    def __init__(self, api: OrgApi) -> None:
        super().__init__()
        self._api = api

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes):  # a file or generator: read it as the socket would
            body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in body)
        headers = {k.lower(): v for k, v in request.headers.items()}
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded" and body:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        answer = self._api.handle(Request(request.method or "GET", url.path, params, headers, body))
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(
            {
                "Content-Type": answer.content_type,
                "Content-Length": str(len(answer.body)),
                **answer.headers,
            }
        )
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(answer.body)  # what iter_content() reads
        response._content = answer.body  # what .content and .text give
        response.url = request.url or ""
        response.request = request
        response.reason = _REASONS.get(answer.status, "")
        return response

    def close(self) -> None:
        pass


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 307: "Temporary Redirect",
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            500: "Server Error", 503: "Service Unavailable"}  # fmt: skip


class InProcessOrg(OrgSimulator):
    """An ``OrgSimulator`` reached through ``session()``, not over the network."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._adapter: OrgApiAdapter | None = None

    def _bind(self) -> str:
        return f"https://org{next(_NUMBERS)}.orgsim.invalid"

    def _serve(self) -> None:
        self._adapter = OrgApiAdapter(self._api)

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s requests for this org's URL to it (others go where they went)."""
        assert self._adapter is not None, "start the org first"
        session.mount(self.instance_url + "/", self._adapter)
        return session

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy or CA bundle from the environment applies
        return self.mount(session)
