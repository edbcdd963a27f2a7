"""A clock on the wait for a response's status line and headers.

The read timeout bounds the wait between two bytes, not the wait for a whole answer; ScanSession
reads the body against the clock itself, but the status line and headers are read inside
urllib3. This adapter's connections arm a timer while they wait for them: when the response's
time is up, the socket is shut down, the read fails at once and ScanSession reports the answer
as cut off (and retries it like any other).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse

_LIMIT = threading.local()  # seconds the current thread's response may still take


@contextlib.contextmanager
def response_time_limit(seconds: float) -> Iterator[None]:
    """Connections used by this thread inside the block give up on the headers after
    ``seconds``."""
    _LIMIT.seconds = seconds
    try:
        yield
    finally:
        _LIMIT.seconds = None


class _WatchedConnection(HTTPSConnection):
    def getresponse(self) -> BaseHTTPResponse:  # type: ignore[override]
        seconds = getattr(_LIMIT, "seconds", None)
        if seconds is None:
            return super().getresponse()
        timer = threading.Timer(seconds, self._cut)
        timer.daemon = True
        timer.start()
        try:
            return super().getresponse()
        finally:
            timer.cancel()

    def _cut(self) -> None:
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _WatchedPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose https connections honour ``response_time_limit``."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        classes = dict(self.poolmanager.pool_classes_by_scheme)
        classes["https"] = _WatchedPool
        self.poolmanager.pool_classes_by_scheme = classes
