"""Every time sfscan writes (evidence, reports, the table, ASFF) reads as ISO 8601 UTC with a Z."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sfscan.domain.timestamps import utc_iso


def test_an_aware_time_is_written_in_utc_with_a_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert utc_iso(datetime(2026, 11, 28, 13, 0, tzinfo=paris)) == "2026-11-28T12:00:00Z"
    assert utc_iso(datetime(2026, 11, 28, 12, 0, 5, 250000, tzinfo=UTC)) == (
        "2026-11-28T12:00:05.250000Z"
    )


def test_a_naive_time_is_taken_as_utc_not_as_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # a machine whose local time is not UTC
    time.tzset()
    try:
        assert utc_iso(datetime(2026, 11, 28, 12, 0)) == "2026-11-28T12:00:00Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_asff_precision_is_milliseconds() -> None:
    moment = datetime(2026, 11, 28, 12, 0, 5, 250999, tzinfo=UTC)
    assert utc_iso(moment, timespec="milliseconds") == "2026-11-28T12:00:05.250Z"


def test_a_written_time_reads_back_equal() -> None:
    moment = datetime(2026, 11, 28, 12, 0, 5, 123456, tzinfo=UTC)
    assert datetime.fromisoformat(utc_iso(moment)) == moment
