"""Progress of a live collection: sources done/total, API calls, elapsed, the source waited on.

The collector reports one line per source it finished (``User: 40 record(s)``,
``sobject:OauthToken: unavailable (...)``) through its ``progress`` callback and counts its calls
in a ``CallBudget``. ``CollectionProgress`` turns both into a ``ProgressState`` for a sink: a
status line redrawn in place on a terminal (``terminal_progress``), or one structured log record
per source in the Lambda (``log_progress``).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from sfscan.collect.http import CallBudget
from sfscan.collect.plan import (
    LISTED_METADATA_TYPES,
    SECURITY_SETTINGS,
    SOBJECT_FIELDS,
    TOOLING_FIELDS,
)

Progress = Callable[[str], None]
_SECTIONS = ("sobject:", "tooling:", "metadata:")
TICK_S = 0.5  # how often the terminal line's elapsed time moves while a source is slow


def planned_sources() -> tuple[str, ...]:
    """The sources a collection reads, in the order the collector starts them."""
    names = ["LoginHistory", *LISTED_METADATA_TYPES, SECURITY_SETTINGS[0], "OauthToken"]
    names += [n for n in SOBJECT_FIELDS if n not in names]
    names += list(TOOLING_FIELDS)
    return tuple(dict.fromkeys(names))


def source_of(line: str) -> str | None:
    """``User: 40 record(s)`` -> User; ``metadata:SecuritySettings:Security: ...`` ->
    SecuritySettings; None for lines about anything else (the login, warnings)."""
    head, sep, _ = line.partition(": ")
    if not sep:
        return None
    for section in _SECTIONS:
        if head.startswith(section):
            return head.removeprefix(section).split(":")[0]
    return head


@dataclass(frozen=True)
class ProgressState:
    done: int
    total: int
    api_calls: int
    elapsed_s: float
    waiting_on: str | None  # the longest-running source not yet done
    last_source: str | None

    def fields(self) -> dict[str, Any]:
        """Structured log fields (the Lambda logs these)."""
        return {
            "sources_done": self.done,
            "sources_total": self.total,
            "api_calls": self.api_calls,
            "elapsed_s": round(self.elapsed_s, 1),
            "waiting_on": self.waiting_on,
            "source": self.last_source,
        }

    def text(self) -> str:
        line = (
            f"sfscan: collecting {self.done}/{self.total} sources, {self.api_calls} API calls, "
            f"{self.elapsed_s:.1f} s"
        )
        return f"{line}, waiting on {self.waiting_on}" if self.waiting_on else line


class CollectionProgress:
    """The collector's progress callback; tells ``on_change`` after every source."""

    def __init__(
        self,
        budget: CallBudget,
        on_change: Callable[[ProgressState], None],
        *,
        sources: Sequence[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.on_change = on_change
        self.sources = tuple(sources if sources is not None else planned_sources())
        self.clock = clock
        self.started = clock()
        self.done: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        source = source_of(line)
        if source not in self.sources:
            return
        with self._lock:
            if source not in self.done:
                self.done.append(source)
        self.on_change(self.state())

    def state(self) -> ProgressState:
        with self._lock:
            done = list(self.done)
        pending = [s for s in self.sources if s not in done]
        return ProgressState(
            done=len(done),
            total=len(self.sources),
            api_calls=self.budget.snapshot()[0],
            elapsed_s=self.clock() - self.started,
            waiting_on=pending[0] if pending else None,
            last_source=done[-1] if done else None,
        )


class _StatusLine:
    """One line on a terminal, rewritten in place; a ticker keeps the elapsed time moving."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def draw(self, state: ProgressState) -> None:
        with self.lock:
            self.stream.write("\r\033[K" + state.text())
            self.stream.flush()

    def tick(self, progress: CollectionProgress) -> None:
        while not self.stop.wait(TICK_S):
            self.draw(progress.state())

    def close(self, progress: CollectionProgress, *, failed: bool) -> None:
        self.stop.set()
        state = progress.state()
        verb = "stopped after" if failed else "collected"
        with self.lock:
            self.stream.write(
                f"\r\033[Ksfscan: {verb} {state.done}/{state.total} sources, "
                f"{state.api_calls} API calls, {state.elapsed_s:.1f} s\n"
            )
            self.stream.flush()


@contextmanager
def terminal_progress(
    quiet: bool, plain: Progress, stream: TextIO | None = None
) -> Iterator[tuple[Progress | None, CallBudget]]:
    """What a live CLI collection reports: nothing with --quiet; the collector's lines (``plain``)
    when stderr is not a terminal (logs, CI); a status line redrawn in place on a terminal."""
    out = stream if stream is not None else sys.stderr
    budget = CallBudget()
    if quiet:
        yield None, budget
        return
    if not out.isatty():
        yield plain, budget
        return
    line = _StatusLine(out)
    progress = CollectionProgress(budget, line.draw)
    ticker = threading.Thread(target=line.tick, args=(progress,), daemon=True)
    ticker.start()
    failed = True
    try:
        yield progress, budget
        failed = False
    finally:
        line.close(progress, failed=failed)  # the error, if any, is printed after this line
        ticker.join()


def log_progress(log: Callable[..., None]) -> tuple[Progress, CallBudget]:
    """For the Lambda: ``log("collection progress", extra={...fields})`` after every source."""
    budget = CallBudget()

    def emit(state: ProgressState) -> None:
        log("collection progress", extra=state.fields())

    return CollectionProgress(budget, emit), budget
