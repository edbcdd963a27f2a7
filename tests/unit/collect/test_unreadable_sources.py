"""Every source the collector cannot read ends in ``unavailable``, never a crash or
a silently empty list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sfscan.collect.collector import _Scan
from sfscan.collect.metadata import MetadataRead
from sfscan.domain.settings import Settings


class Reader:
    def __init__(self, result: MetadataRead) -> None:
        self.result = result

    def read(self, metadata_type: str, names: list[str]) -> MetadataRead:
        return self.result


def scan() -> _Scan:
    return _Scan(None, Settings(), datetime(2026, 11, 28, tzinfo=UTC), lambda _: None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "reason", ["INSUFFICIENT_ACCESS:", "UNKNOWN_FAULT", "INSUFFICIENT_ACCESS: no: really"]
)
def test_unreadable_security_settings_are_recorded_whatever_the_fault_text(reason: str) -> None:
    running = scan()
    reader = Reader(MetadataRead([], {"metadata:SecuritySettings:Security": reason}))
    running.guarded(
        "metadata:SecuritySettings",
        lambda: running.security_settings(reader),  # type: ignore[arg-type]
    )
    assert "SecuritySettings" not in running.found.metadata
    recorded = running.found.unavailable["metadata:SecuritySettings"]
    assert recorded.split(":")[0] == reason.split(":")[0]
