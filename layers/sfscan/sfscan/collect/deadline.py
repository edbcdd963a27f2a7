"""The scan's overall time limit.

A scan gets one deadline: ``--timeout`` on the CLI, the Lambda's remaining time minus a margin in
the pipeline (set around the whole scan with ``scan_deadline()``, so every session created inside
it stops in time and the org's error is recorded before the function is killed). Every call
checks it before it is sent, and no response may take longer than what is left.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from sfscan.domain.errors import ScanTimeoutError


@dataclass(frozen=True)
class Deadline:
    """A moment (on ``clock``) after which the scan sends nothing more."""

    at: float
    seconds: float
    source: str  # what set it, for the message: "--timeout", "the Lambda time limit"
    clock: Callable[[], float] = time.monotonic

    def remaining(self) -> float:
        return self.at - self.clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise ScanTimeoutError(
                f"the scan did not finish within its time limit ({self.source}: "
                f"{self.seconds:g} s); the org answered too slowly: try again later, or allow "
                "more time"
            )


_AMBIENT_DEADLINE: ContextVar[tuple[float, float, str] | None] = ContextVar(
    "sfscan_scan_deadline", default=None
)


@contextlib.contextmanager
def scan_deadline(seconds: float, source: str) -> Iterator[None]:
    """Every ScanSession created inside this block stops ``seconds`` from now (monotonic)."""
    token = _AMBIENT_DEADLINE.set((time.monotonic() + seconds, seconds, source))
    try:
        yield
    finally:
        _AMBIENT_DEADLINE.reset(token)


def deadline_for(seconds: float | None, clock: Callable[[], float]) -> Deadline | None:
    """The earlier of a session's own limit (``seconds`` on ``clock``) and the ambient one."""
    ambient = _AMBIENT_DEADLINE.get()
    own = None
    if seconds is not None:
        own = Deadline(clock() + seconds, seconds, "--timeout", clock)
    if ambient is None:
        return own
    at, seconds, source = ambient
    outer = Deadline(at, seconds, source)  # always on time.monotonic, as set
    return outer if own is None or outer.remaining() < own.remaining() else own
