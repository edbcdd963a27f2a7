"""Security Hub's workflow follows sfscan's suppressions: a suppression added to a violation
Security Hub already holds makes it SUPPRESSED, one that ends makes it NEW again, and a scan that
changes no suppression leaves the workflow a person set alone.

Security Hub is the in-memory fake of the port, which (like the service, unlike moto) keeps the
workflow on a re-import; test_port_contracts.py holds it to the real publisher.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pipeline_fixtures import ACCOUNT, ORG_ID, PREFIX, REGION
from pipeline_fixtures import make_snapshot as org_snapshot
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.pipeline.publish import AwsLocation, PublishDeps, PublishReport, publish_scan
from sfscan.pipeline.scan import ScanDeps, scan_org

from tests.unit.pipeline.fakes import FakeNotifier, FakeSecurityHub, InMemoryFindingsStore

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # the snapshot's captured_at: the evaluation time
CONFIG = ScanConfig(table="findings", org_secret_prefix=PREFIX)
ETL_ID = f"sfscan/{ORG_ID}/SF-CA-01/Acme_ETL"
ACCEPTED = {"rule_id": "SF-CA-01", "resource_id": "Acme_ETL", "reason": "CHG-4711 vendor VPN"}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class World:
    def __init__(self) -> None:
        self.store = InMemoryFindingsStore()
        self.hub = FakeSecurityHub()
        self.notifier = FakeNotifier()
        self.clock = Clock()

    def scan_and_publish(
        self, scan_id: str, suppressions: list[dict[str, Any]] | None = None
    ) -> PublishReport:
        secret = {
            "name": "acme",
            "login_url": "https://acme.my.salesforce.com",
            "auth": {"flow": "client_credentials", "client_id": "x", "client_secret": "y"},
            "settings": {"suppressions": suppressions or []},
        }
        scan_deps = ScanDeps(
            store=self.store,
            read_secret=lambda _name: secret,
            collect=lambda _credentials: org_snapshot("BYPASS"),  # Acme ETL stays FAILED
            clock=self.clock,
        )
        request = ScanRequest(scan_id, "acme", PREFIX + "acme", self.clock())
        summary = scan_org(request, scan_deps, CONFIG).summary
        return publish_scan(summary, self.publish_deps())

    def publish_deps(self) -> PublishDeps:
        return PublishDeps(
            store=self.store,
            notifier=self.notifier,
            security_hub=self.hub,
            location=AwsLocation(account_id=ACCOUNT, region=REGION),
            clock=self.clock,
        )

    def etl(self) -> dict[str, Any]:
        return self.hub.findings[ETL_ID]


@pytest.fixture
def world() -> World:
    return World()


def test_a_suppression_added_to_an_open_violation_suppresses_it_in_security_hub(
    world: World,
) -> None:
    world.scan_and_publish("s1")
    assert world.etl()["Workflow"]["Status"] == "NEW"
    world.hub.set_workflow_by_hand(ETL_ID, "NOTIFIED")  # someone told the app's owner

    expiry = "2027-03-31T00:00:00Z"
    report = world.scan_and_publish("s2", [{**ACCEPTED, "expires": expiry}])

    assert report.workflows_updated == 1
    finding = world.etl()
    assert finding["Workflow"]["Status"] == "SUPPRESSED"
    assert finding["Note"]["UpdatedBy"] == "sfscan"
    assert "CHG-4711 vendor VPN" in finding["Note"]["Text"]
    assert "2027-03-31T00:00:00.000Z" in finding["Note"]["Text"]
    assert finding["RecordState"] == "ACTIVE"  # still a violation, only accepted


def test_a_suppression_that_ends_on_an_open_violation_makes_it_new_again(world: World) -> None:
    world.scan_and_publish("s1", [ACCEPTED])
    assert world.etl()["Workflow"]["Status"] == "SUPPRESSED"  # created suppressed by the import

    # Expired an hour before this scan's evaluation: the engine no longer applies it.
    expired = {**ACCEPTED, "expires": (T0 - timedelta(hours=1)).isoformat()}
    report = world.scan_and_publish("s2", [expired])

    assert report.workflows_updated == 1 and report.opened == 1  # e-mailed again as well
    finding = world.etl()
    assert finding["Workflow"]["Status"] == "NEW"
    assert "ended" in finding["Note"]["Text"] and finding["Note"]["UpdatedBy"] == "sfscan"


def test_a_removed_suppression_makes_the_violation_new_again(world: World) -> None:
    world.scan_and_publish("s1", [ACCEPTED])
    world.scan_and_publish("s2", [])
    assert world.etl()["Workflow"]["Status"] == "NEW"


def test_an_unchanged_suppression_sends_no_workflow_update_and_keeps_a_persons_status(
    world: World,
) -> None:
    world.scan_and_publish("s1")
    world.scan_and_publish("s2", [ACCEPTED])
    calls = len(world.hub.update_calls)
    world.hub.set_workflow_by_hand(ETL_ID, "RESOLVED")  # a person's own decision
    before = world.etl()["UpdatedAt"]

    report = world.scan_and_publish("s3", [ACCEPTED])

    assert report.workflows_updated == 0 and len(world.hub.update_calls) == calls
    finding = world.etl()
    assert finding["UpdatedAt"] > before  # it was re-imported ...
    assert finding["Workflow"]["Status"] == "RESOLVED"  # ... and the person's status stands


def test_a_new_suppressed_violation_is_created_suppressed_without_an_update(world: World) -> None:
    report = world.scan_and_publish("s1", [ACCEPTED])
    assert report.workflows_updated == 0 and world.hub.update_calls == []
    assert world.etl()["Workflow"]["Status"] == "SUPPRESSED"


def test_a_redelivered_scan_and_publish_change_no_workflow_again(world: World) -> None:
    world.scan_and_publish("s1")
    world.scan_and_publish("s2", [ACCEPTED])
    world.hub.set_workflow_by_hand(ETL_ID, "NOTIFIED")
    calls = len(world.hub.update_calls)

    again = world.scan_and_publish("s2", [ACCEPTED])  # the same scan message delivered again

    assert again.skipped == "already published" and len(world.hub.update_calls) == calls
    assert world.etl()["Workflow"]["Status"] == "NOTIFIED"
