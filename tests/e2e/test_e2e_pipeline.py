"""End to end: moto's server and the org simulator on loopback, the real handlers in order.

dispatch -> SQS -> scan (collects the simulated org over HTTPS) -> DynamoDB -> stream -> publish
-> SNS (an SQS subscriber reads the message) and Security Hub. Then the org is fixed, re-scanned,
and the fixes show up as resolutions; a redelivered scan message notifies nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from moto.server import ThreadedMotoServer
from sfscan.store.dynamodb import FindingsStore
from sfscan_harness.local import LocalPipeline

from orgsim import OrgSimulator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = ROOT / "orgsim" / "orgs" / "demo.settings.json"
LEGACY_ETL = "Legacy_ETL"
LEGACY_USER = "0055g00000057MmAAI"  # legacy.integration@acme.example.com
API_ONLY_PERMISSION_SET = "0PS5g0000007B5TGAU"


def template_table() -> dict[str, Any]:
    props = cfn_yaml.load(str(ROOT / "template.yaml"))["Resources"]["FindingsTable"]["Properties"]
    return {
        "KeySchema": [dict(k) for k in props["KeySchema"]],
        "AttributeDefinitions": [dict(a) for a in props["AttributeDefinitions"]],
        "BillingMode": props["BillingMode"],
        "StreamSpecification": {"StreamEnabled": True, **props["StreamSpecification"]},
    }


@pytest.fixture
def world() -> Iterator[tuple[LocalPipeline, OrgSimulator]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with OrgSimulator(str(DEMO_ORG), port=0, as_of=datetime.now(UTC)) as sim:
            sim_host = sim.login_url.removeprefix("https://")
            pipeline = LocalPipeline(
                endpoint_url=f"http://{host}:{port}",
                table_definition=template_table(),
                extra_env={"SFSCAN_ALLOWED_HOSTS": sim_host, "SFSCAN_CA_BUNDLE": sim.ca_bundle},
            )
            pipeline.create_resources()
            pipeline.register_org(
                "acme",
                json.dumps(
                    {
                        "name": "acme",
                        "login_url": sim.login_url,
                        "auth": {
                            "flow": "client_credentials",
                            "client_id": sim.client_id,
                            "client_secret": sim.client_secret,
                        },
                        "settings": json.loads(DEMO_SETTINGS.read_text()),
                    }
                ),
            )
            pipeline.register_org("broken", '{"name": "broken", "login_url": ')
            yield pipeline, sim
    finally:
        server.stop()


def run_cycle(
    pipeline: LocalPipeline,
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    run = pipeline.dispatch()
    messages = pipeline.receive_scan_messages()
    assert len(messages) == len(run.orgs) == 2
    assert all(r == {"batchItemFailures": []} for r in pipeline.run_scans(messages))
    records = pipeline.read_stream()
    publish = pipeline.publish(records)
    assert all(r == {"batchItemFailures": []} for r in publish)
    return run.scan_id, messages, records


def test_scan_publish_fix_rescan(world: tuple[LocalPipeline, OrgSimulator]) -> None:
    pipeline, sim = world
    store = FindingsStore(pipeline.client("dynamodb"), pipeline.table)

    scan1, messages, _ = run_cycle(pipeline)
    hub = first_scan_is_stored_and_published(pipeline, store, scan1)

    # Fix two things in the org, then scan again.
    sim.set_ip_relaxation(LEGACY_ETL, "ENFORCE")
    sim.add_permission_set_assignment(LEGACY_USER, API_ONLY_PERMISSION_SET)
    scan2, _, records2 = run_cycle(pipeline)
    fixes_are_resolved_and_published(pipeline, store, scan2, hub)

    redelivery_changes_nothing(pipeline, store, messages, records2)
    latest = {s.org_name: s for s in store.latest_scans()}
    assert latest["acme"].scan_id == scan2 and latest["broken"].error


def first_scan_is_stored_and_published(
    pipeline: LocalPipeline, store: FindingsStore, scan1: str
) -> dict[str, Any]:
    """The first scan's findings in the table, one e-mail, open findings ACTIVE in Security Hub."""
    acme = store.get_summary("acme", scan1)
    assert acme is not None and acme.ok and acme.org_id == "00D5g000004DEMOEA4"
    assert acme.opened >= 20 and acme.api_calls and acme.api_calls > 0
    assert acme.published_at is not None and acme.notified_at is not None
    broken = store.get_summary("broken", scan1)
    assert broken is not None and not broken.ok and "not valid JSON" in broken.error
    findings = store.load_findings("acme")
    legacy_app = next(
        t
        for t in findings.values()
        if t.finding.resource_id == LEGACY_ETL and t.finding.rule_id == "SF-CA-01"
    )
    assert legacy_app.open and legacy_app.finding.status.value == "FAILED"
    assert store.load_findings("broken") == {}

    [mail] = pipeline.inbox()  # one message for the org; none for the broken one
    assert "Acme Corporation" in mail["Subject"]
    assert (
        "Legacy ETL" in mail["Message"] and "legacy.integration@acme.example.com" in mail["Message"]
    )
    attributes = mail["MessageAttributes"]
    assert attributes["org_id"]["Value"] == "00D5g000004DEMOEA4"
    assert "CRITICAL" in attributes["severity"]["Value"]

    hub = {f["Id"]: f for f in pipeline.security_hub_findings()}
    assert len(hub) == sum(1 for t in findings.values() if t.open)
    legacy_hub = [
        f
        for f in hub.values()
        if f["Resources"][0]["Id"].endswith(LEGACY_ETL) or LEGACY_ETL in json.dumps(f["Resources"])
    ]
    assert legacy_hub and all(f["RecordState"] == "ACTIVE" for f in legacy_hub)
    return hub


def fixes_are_resolved_and_published(
    pipeline: LocalPipeline, store: FindingsStore, scan2: str, hub: dict[str, Any]
) -> None:
    """The re-scan resolves both fixes, e-mails them, and archives them in Security Hub."""
    acme2 = store.get_summary("acme", scan2)
    assert acme2 is not None and acme2.ok and acme2.resolved >= 2 and acme2.opened == 0
    resolved = {
        (t.finding.rule_id, t.finding.resource_id) for t in store.changed_in_scans("acme", [scan2])
    }
    assert ("SF-CA-01", LEGACY_ETL) in resolved and ("SF-IU-01", LEGACY_USER) in resolved

    [mail2] = pipeline.inbox()
    assert "resolved" in mail2["Subject"].lower() or "resolved" in mail2["Message"].lower()
    assert "Legacy ETL" in mail2["Message"]
    hub2 = {f["Id"]: f for f in pipeline.security_hub_findings()}
    archived = [f for f in hub2.values() if f["RecordState"] == "ARCHIVED"]
    assert len(archived) >= 2
    assert any(LEGACY_ETL in json.dumps(f["Resources"]) for f in archived)
    still_open = [f for f in hub2.values() if f["RecordState"] == "ACTIVE"]
    assert still_open and all(f["UpdatedAt"] > hub[f["Id"]]["UpdatedAt"] for f in still_open)


def redelivery_changes_nothing(
    pipeline: LocalPipeline,
    store: FindingsStore,
    messages: list[dict[str, Any]],
    records2: list[dict[str, Any]],
) -> None:
    """A scan message or a stream batch delivered again: nothing new notified or written."""
    before = store.load_findings("acme")
    assert all(r == {"batchItemFailures": []} for r in pipeline.run_scans(messages))
    assert pipeline.publish(pipeline.read_stream()) in ([], [{"batchItemFailures": []}])
    assert pipeline.inbox() == []
    assert store.load_findings("acme") == before

    assert all(r == {"batchItemFailures": []} for r in pipeline.publish(records2))
    assert pipeline.inbox() == []
