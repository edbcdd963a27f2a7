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
from typing import Any

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


# Time kept back from the Lambda's remaining time for what follows collection (evaluating,
# writing findings and the scan summary): a quarter of it, at most a minute.
LAMBDA_MARGIN_MAX_S = 60.0
LAMBDA_SOURCE = "the Lambda time left minus a margin for recording the result"


def lambda_time_limit(remaining_ms: int) -> float:
    """Seconds a scan may take in a Lambda with ``remaining_ms`` left; at least 0.1."""
    remaining = remaining_ms / 1000
    return max(0.1, remaining - min(LAMBDA_MARGIN_MAX_S, remaining / 4))


def lambda_scan_deadline(context: Any) -> contextlib.AbstractContextManager[None]:
    """``scan_deadline`` for a Lambda invocation (no limit without a context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return contextlib.nullcontext()
    return scan_deadline(lambda_time_limit(int(remaining())), LAMBDA_SOURCE)
