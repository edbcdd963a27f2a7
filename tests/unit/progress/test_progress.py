"""Collection progress: what a terminal shows, what --quiet and a pipe show, what gets logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sfscan.collect.http import CallBudget
from sfscan.collect.progress import (
    CollectionProgress,
    ProgressState,
    log_progress,
    planned_sources,
    source_of,
    terminal_progress,
)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("User: 40 record(s)", "User"),
        ("sobject:OauthToken: unavailable (INSUFFICIENT_ACCESS: no)", "OauthToken"),
        ("metadata:SecuritySettings:Security: not readable (x)", "SecuritySettings"),
        ("logged in to https://acme.my.salesforce.com (jwt)", None),
    ],
)
def test_the_source_a_collector_line_is_about(line: str, source: str | None) -> None:
    assert source_of(line) == source


def test_state_counts_sources_calls_time_and_names_the_source_waited_on() -> None:
    budget, clock, seen = CallBudget(), Clock(), []
    progress = CollectionProgress(budget, seen.append, sources=("A", "B", "C"), clock=clock)
    for _ in range(7):
        budget.count(token_call=False)
    budget.count(token_call=True)  # the login is not an API call of the org's budget
    clock.now += 2.5
    progress("B: 3 record(s)")
    progress("logged in to somewhere (jwt)")  # not a source: no change
    progress("B: 3 record(s)")  # a repeat does not count twice
    assert [s.done for s in seen] == [1, 1]
    state = seen[-1]
    assert (state.done, state.total, state.api_calls) == (1, 3, 7)
    assert state.elapsed_s == 2.5 and state.waiting_on == "A" and state.last_source == "B"
    progress("sobject:A: unavailable (no access)")
    progress("C: 0 record(s)")
    assert progress.state().waiting_on is None and progress.state().done == 3


def test_a_terminal_gets_one_line_redrawn_in_place_and_a_final_line() -> None:
    tty = Tty()
    with terminal_progress(False, print, stream=tty) as (progress, budget):
        assert progress is not None
        budget.count(token_call=False)
        progress("User: 40 record(s)")
    out = tty.getvalue()
    total = len(planned_sources())
    assert f"\r\x1b[Ksfscan: collecting 1/{total} sources, 1 API calls, " in out
    assert ", waiting on LoginHistory" in out
    assert out.endswith("\n") and out.count("\n") == 1  # one line, rewritten, then finished
    assert f"sfscan: collected 1/{total} sources, 1 API calls, " in out.splitlines()[-1]


def test_quiet_shows_nothing_and_a_pipe_gets_the_plain_lines() -> None:
    tty, pipe, lines = Tty(), io.StringIO(), []
    with terminal_progress(True, lines.append, stream=tty) as (progress, _):
        assert progress is None
    with terminal_progress(False, lines.append, stream=pipe) as (progress, _):
        assert progress is not None
        progress("User: 40 record(s)")
    assert tty.getvalue() == "" and pipe.getvalue() == ""
    assert lines == ["User: 40 record(s)"]


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    caught: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = caught.append  # type: ignore[method-assign]
    log = logging.getLogger("sfscan-test-progress")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    yield caught
    log.removeHandler(handler)


def test_the_lambda_logs_the_same_as_structured_fields(records: list[logging.LogRecord]) -> None:
    progress, budget = log_progress(logging.getLogger("sfscan-test-progress").info)
    budget.count(token_call=False)
    progress("User: 40 record(s)")
    [record] = records
    assert record.getMessage() == "collection progress"
    fields = {k: getattr(record, k) for k in ProgressState(0, 0, 0, 0, None, None).fields()}
    assert fields["sources_done"] == 1 and fields["sources_total"] == len(planned_sources())
    assert fields["api_calls"] == 1 and fields["source"] == "User"
    assert fields["waiting_on"] == "LoginHistory"
    json.dumps(fields)  # plain JSON values


def test_a_collection_that_fails_says_where_it_stopped() -> None:
    tty = Tty()
    with pytest.raises(RuntimeError), terminal_progress(False, print, stream=tty) as (progress, _):
        assert progress is not None
        progress("User: 40 record(s)")
        raise RuntimeError("login refused")
    last = tty.getvalue().splitlines()[-1]
    assert f"sfscan: stopped after 1/{len(planned_sources())} sources" in last
    assert "collected" not in last
