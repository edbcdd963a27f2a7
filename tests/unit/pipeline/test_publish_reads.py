"""What the publish function costs in DynamoDB calls, through the real scan and publish handlers
on moto, counted on every botocore client the handlers build (botocore's ``before-call`` event,
as bench/pipeline.py counts them): it reads the org's scan records once and its findings once per
publish, and writes its markers; what it sends does not change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from pipeline_fixtures import FakeContext, World, handler_world
from sfscan.pipeline import runtime
from sfscan.publish.errors import SnsPublishError
from sfscan.publish.sns import SnsPublisher
from sfscan_harness.capacity import AwsMeter
from sfscan_harness.local import load_handler

S1 = "20261128T030000Z-aaaa0001"
S2 = "20261129T030000Z-bbbb0002"
S3 = "20261130T030000Z-cccc0003"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, AwsMeter]]:
    with handler_world(monkeypatch) as w:
        meter = AwsMeter(counting=False)
        with meter.installed():
            runtime.reset()  # the functions' clients are built while the meter is installed
            yield w, meter


def _publish_calls(world: World, meter: AwsMeter) -> Counter[str]:
    """The publish function's DynamoDB calls for the stream records not handed over yet."""
    event = world.stream.event()
    meter.reset()
    meter.counting = True
    try:
        assert load_handler("publish").handler(event, FakeContext()) == {"batchItemFailures": []}
    finally:
        meter.counting = False
    return Counter(
        {k.split(".", 1)[1]: n for k, n in meter.calls.items() if k.startswith("dynamodb.")}
    )


def test_a_publish_reads_the_scan_records_once_and_the_findings_once(
    world: tuple[World, AwsMeter],
) -> None:
    w, meter = world
    w.scan(S1)  # opens the violation: an e-mail and a Security Hub import
    first = _publish_calls(w, meter)
    # One Query of the org's scan records (this scan's included: no GetItem), one of its
    # findings; notified_at right after the e-mail, then published_at.
    assert first == {"Query": 2, "UpdateItem": 2}
    [mail] = w.mails()
    assert "1 new violation" in mail["Subject"]
    [finding] = w.hub()
    assert finding["RecordState"] == "ACTIVE"

    w.scan(S2)  # unchanged: no e-mail, the open violation re-imported
    second = _publish_calls(w, meter)
    # Nothing was sent, so there is nothing a crash could send twice: both markers in one update.
    assert second == {"Query": 2, "UpdateItem": 1}
    assert w.mails() == []
    [again] = w.hub()
    assert again["UpdatedAt"] > finding["UpdatedAt"]  # re-imported: never expires
    summary = w.store.get_summary("demo", S2)
    assert summary is not None and summary.notified_at and summary.published_at


def test_a_redelivered_record_is_answered_from_the_one_read_of_the_scan_records(
    world: tuple[World, AwsMeter],
) -> None:
    w, meter = world
    w.scan(S1)
    event = w.stream.event()
    load_handler("publish").handler(event, FakeContext())
    assert len(w.mails()) == 1
    meter.reset()
    meter.counting = True
    load_handler("publish").handler(event, FakeContext())  # the stream delivers it again
    meter.counting = False
    assert dict(meter.calls) == {"dynamodb.Query": 1}  # "already published": nothing else
    assert w.mails() == []


def test_a_publish_that_completes_earlier_failed_publishes_still_reads_once(
    world: tuple[World, AwsMeter], monkeypatch: pytest.MonkeyPatch
) -> None:
    w, meter = world

    def sns_down(*_a: object, **_k: object) -> list[str]:
        raise SnsPublishError("SNS refused a notification (KMS.DisabledException)")

    w.scan(S1)
    with monkeypatch.context() as m:
        m.setattr(SnsPublisher, "publish", sns_down)
        event = w.stream.event()
        failed = load_handler("publish").handler(event, FakeContext())
        assert failed["batchItemFailures"]
    w.relax[S2] = "BYPASS"
    w.scan(S2)
    calls = _publish_calls(w, meter)
    # S2's publish also sends S1's violation (never notified) and marks both scans.
    assert calls["Query"] == 2 and "GetItem" not in calls
    [mail] = w.mails()
    assert "1 new violation" in mail["Subject"]
    for scan_id in (S1, S2):
        done = w.store.get_summary("demo", scan_id)
        assert done is not None and done.notified_at and done.published_at
    w.scan(S3)
    assert _publish_calls(w, meter) == {"Query": 2, "UpdateItem": 1}
