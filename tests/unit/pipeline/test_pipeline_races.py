"""Scans of one org that overlap or arrive late, through the real scan and publish handlers on
moto: a stale scan changes nothing, and two concurrent scans notify a violation once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pipeline_fixtures import World, handler_world
from sfscan.store.dynamodb import FindingsStore

OLDER = "20261128T030000Z-aaaa0001"
NEWER = "20261128T040000Z-bbbb0002"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with handler_world(monkeypatch) as w:
        yield w


def test_a_stale_scan_stored_after_a_newer_one_changes_nothing(world: World) -> None:
    world.scan("20261127T030000Z-00000000")  # the violation opens
    world.publish()
    assert len(world.mails()) == 1
    world.relax[NEWER] = "ENFORCE"  # fixed, and the newer scan sees it
    world.scan(NEWER)
    world.publish()
    [resolved_mail] = world.mails()
    assert "1 resolved" in resolved_mail["Subject"]

    # The older scan's message arrives late (a retry), with what it collected back then.
    assert world.scan(OLDER) == {"batchItemFailures": []}
    assert world.publish() == {"batchItemFailures": []}

    assert world.mails() == []  # no "new violation" about a fixed app
    etl = world.etl()
    assert not etl.open and etl.scan_id == NEWER
    stale = world.store.get_summary("demo", OLDER)
    assert stale is not None and stale.superseded_by == NEWER and stale.opened == 0
    [latest] = world.store.latest_scans()
    assert latest.scan_id == NEWER
    [finding] = world.hub()
    assert finding["RecordState"] == "ARCHIVED"


def _newer_inside_older(world: World) -> None:
    world.during_collect[OLDER] = lambda: world.scan(NEWER)
    world.scan(OLDER)


def _newer_between_older_read_and_write(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    original = FindingsStore.write_findings
    pending = [lambda: world.scan(NEWER)]

    def write(self: FindingsStore, *args: Any, **kwargs: Any) -> Any:
        if pending and world.current[-1] == OLDER:
            pending.pop()()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FindingsStore, "write_findings", write)
    world.scan(OLDER)


@pytest.mark.parametrize(
    "interleave",
    ["newer inside older", "newer between older's read and write"],
)
def test_two_concurrent_scans_notify_a_new_violation_once(
    world: World, monkeypatch: pytest.MonkeyPatch, interleave: str
) -> None:
    if interleave == "newer inside older":
        _newer_inside_older(world)
    else:
        _newer_between_older_read_and_write(world, monkeypatch)
    assert world.publish() == {"batchItemFailures": []}

    mails = world.mails()
    assert [m["Subject"].split(" - ")[1] for m in mails] == ["1 new violation"]
    assert sum(m["Message"].count("Acme ETL") for m in mails) >= 1
    etl = world.etl()
    assert etl.open
    [finding] = world.hub()
    assert finding["RecordState"] == "ACTIVE"
    # Both scans are recorded; a later scan publishes nothing new.
    assert world.store.get_summary("demo", OLDER) is not None
    assert world.store.get_summary("demo", NEWER) is not None
    world.scan("20261128T050000Z-cccc0003")
    world.publish()
    assert world.mails() == []
