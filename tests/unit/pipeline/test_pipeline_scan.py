"""Scan use case on the in-memory findings store (held to the DynamoDB adapter by
test_port_contracts.py), with the collector replaced by a snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pipeline_fixtures import ORG_ID, PREFIX, credentials_json, make_snapshot
from sfscan.collect.credentials import OrgCredentials
from sfscan.domain.errors import InputError, ScanIncompleteError
from sfscan.domain.lifecycle import Transition
from sfscan.domain.settings import parse_settings
from sfscan.domain.snapshot import Snapshot
from sfscan.pipeline.config import ScanConfig
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.pipeline.scan import ScanDeps, effective_settings, scan_org

from tests.unit.pipeline.fakes import InMemoryFindingsStore

NOW = datetime(2026, 11, 28, 3, 0, 5, tzinfo=UTC)
CONFIG = ScanConfig(table="findings", org_secret_prefix=PREFIX)


@pytest.fixture
def store() -> InMemoryFindingsStore:
    return InMemoryFindingsStore()


def deps(
    store: InMemoryFindingsStore,
    snapshot: Snapshot | Exception,
    secrets: dict[str, Any] | None = None,
) -> ScanDeps:
    secrets = secrets if secrets is not None else {f"{PREFIX}acme": credentials_json()}

    def read_secret(name: str) -> Any:
        if name not in secrets:
            raise InputError(f"secret {name} cannot be read (ResourceNotFoundException)")
        return secrets[name]

    def collect(_creds: OrgCredentials) -> Snapshot:
        if isinstance(snapshot, Exception):
            raise snapshot
        return snapshot

    clock: Callable[[], datetime] = lambda: NOW  # noqa: E731
    return ScanDeps(store=store, read_secret=read_secret, collect=collect, clock=clock)


def request(scan_id: str, org: str = "acme") -> ScanRequest:
    return ScanRequest(scan_id, org, PREFIX + org, NOW)


def test_first_scan_opens_the_violation_and_records_a_summary(store: InMemoryFindingsStore) -> None:
    report = scan_org(request("s1"), deps(store, make_snapshot()), CONFIG)
    s = report.summary
    assert not report.already_done and s.ok
    assert (s.org_id, s.opened, s.resolved, s.open_violations) == (ORG_ID, 1, 0, 1)
    assert s.by_status["FAILED"] == 1 and s.failed_by_severity["HIGH"] == 1
    assert (s.api_calls, s.daily_api_remaining) == (9, 14991)
    assert "SF-IU-01" in s.incomplete_rules
    [opened] = store.changed_in_scans("acme", ["s1"])
    assert (opened.finding.resource_id, opened.transition) == ("Acme_ETL", Transition.OPENED)
    latest = {x.org_name: x for x in store.latest_scans()}
    assert latest["acme"].scan_id == "s1"


def test_fix_then_rescan_resolves(store: InMemoryFindingsStore) -> None:
    scan_org(request("s1"), deps(store, make_snapshot("BYPASS")), CONFIG)
    s2 = scan_org(request("s2"), deps(store, make_snapshot("ENFORCE")), CONFIG).summary
    assert (s2.opened, s2.resolved, s2.open_violations) == (0, 1, 0)
    [resolved] = store.changed_in_scans("acme", ["s2"])
    assert resolved.transition is Transition.RESOLVED and not resolved.open


def test_deleted_app_resolves_only_because_its_rule_is_complete(
    store: InMemoryFindingsStore,
) -> None:
    scan_org(request("s1"), deps(store, make_snapshot("BYPASS")), CONFIG)
    s2 = scan_org(request("s2"), deps(store, make_snapshot(with_etl=False)), CONFIG).summary
    assert s2.resolved == 1


def test_same_scan_twice_changes_nothing(store: InMemoryFindingsStore) -> None:
    first = scan_org(request("s1"), deps(store, make_snapshot()), CONFIG)
    before = store.load_findings("acme")
    again = scan_org(request("s1"), deps(store, make_snapshot("ENFORCE")), CONFIG)
    assert again.already_done and again.summary == first.summary
    assert store.load_findings("acme") == before


@pytest.mark.parametrize(
    ("secrets", "failure", "kind", "says"),
    [
        ({}, None, "input", "cannot be read"),
        ({f"{PREFIX}acme": {"name": "acme"}}, None, "input", "invalid org credentials"),
        (
            None,
            ScanIncompleteError("Salesforce refused the login (invalid_grant)"),
            "incomplete",
            "refused",
        ),
        (None, ScanIncompleteError("Salesforce API request limit reached"), "incomplete", "limit"),
    ],
)
def test_org_failure_is_recorded_not_raised(
    store: InMemoryFindingsStore,
    secrets: dict[str, Any] | None,
    failure: Exception | None,
    kind: str,
    says: str,
) -> None:
    snapshot: Snapshot | Exception = failure or make_snapshot()
    report = scan_org(request("s1"), deps(store, snapshot, secrets), CONFIG)
    s = report.summary
    assert (s.ok, s.error_kind) == (False, kind) and says in s.error
    assert "s3cr3t" not in s.error
    assert store.load_findings("acme") == {}
    assert store.get_summary("acme", "s1") == s


def test_one_org_failing_does_not_touch_another(store: InMemoryFindingsStore) -> None:
    secrets = {f"{PREFIX}acme": credentials_json(), f"{PREFIX}broken": "not an object"}
    scan_org(request("s1", "broken"), deps(store, make_snapshot(), secrets), CONFIG)
    good = scan_org(request("s1", "acme"), deps(store, make_snapshot(), secrets), CONFIG)
    assert good.summary.ok
    by_org = {x.org_name: x for x in store.latest_scans()}
    assert by_org["broken"].error and by_org["acme"].ok


def test_a_secret_outside_the_prefix_is_refused(store: InMemoryFindingsStore) -> None:
    req = ScanRequest("s1", "acme", "prod/database", NOW)
    s = scan_org(req, deps(store, make_snapshot(), {"prod/database": {}}), CONFIG).summary
    assert not s.ok and "not under the registered prefix" in s.error


def test_stack_defaults_fill_only_what_the_org_did_not_set() -> None:
    cfg = ScanConfig(
        table="t",
        org_secret_prefix=PREFIX,
        default_allowed_networks=("10.0.0.0/8",),
        lookback_days=7,
    )
    unset = effective_settings(None, cfg)
    assert [str(n) for n in unset.allowed_networks] == ["10.0.0.0/8"] and unset.lookback_days == 7
    own = effective_settings(
        parse_settings({"allowed_networks": ["192.0.2.0/24"], "lookback_days": 60}), cfg
    )
    assert [str(n) for n in own.allowed_networks] == ["192.0.2.0/24"] and own.lookback_days == 60


def test_the_org_is_collected_with_the_settings_it_is_judged_by(
    store: InMemoryFindingsStore,
) -> None:
    # The stack's look-back (90 days) must also decide the login window that is collected:
    # logins older than the org's default 30 days would otherwise be judged without being read.
    cfg = ScanConfig(table="findings", org_secret_prefix=PREFIX, lookback_days=90)
    seen: list[OrgCredentials] = []
    base = deps(store, make_snapshot())

    def collect(creds: OrgCredentials) -> Snapshot:
        seen.append(creds)
        return make_snapshot()

    scan_org(request("s1"), ScanDeps(base.store, base.read_secret, collect, base.clock), cfg)
    assert seen and seen[0].settings is not None and seen[0].settings.lookback_days == 90


def _boom(*_a: Any, **_k: Any) -> Any:
    raise RuntimeError("unexpected shape in the response")


@pytest.mark.parametrize(
    ("stage", "says"),
    [
        ("secret", "while reading the secret, collecting or evaluating: RuntimeError"),
        ("collection", "while reading the secret, collecting or evaluating: RuntimeError"),
        ("evaluation", "while reading the secret, collecting or evaluating: RuntimeError"),
        ("claim_org", "while storing the findings: RuntimeError"),
        ("load_findings", "while storing the findings: RuntimeError"),
        ("write_findings", "while storing the findings: RuntimeError"),
    ],
)
def test_an_unexpected_failure_at_any_stage_is_the_orgs_error(
    store: InMemoryFindingsStore, monkeypatch: pytest.MonkeyPatch, stage: str, says: str
) -> None:
    base = deps(store, make_snapshot())
    broken = base
    if stage == "secret":
        broken = ScanDeps(store, _boom, base.collect, base.clock)
    elif stage == "collection":
        broken = ScanDeps(store, base.read_secret, _boom, base.clock)
    elif stage == "evaluation":
        monkeypatch.setattr("sfscan.pipeline.scan.evaluate", _boom)
    else:
        monkeypatch.setattr(store, stage, _boom)
    with pytest.raises(RuntimeError):  # raised: the message is retried, then dead-lettered
        scan_org(request("s1"), broken, CONFIG)
    [latest] = store.latest_scans()
    assert (latest.ok, latest.error_kind, latest.scan_id) == (False, "internal", "s1")
    assert says in latest.error and "unexpected shape" in latest.error
    assert "s3cr3t" not in latest.error
    assert store.get_summary("acme", "s1") is None  # the retry runs the scan again
    monkeypatch.undo()
    retried = scan_org(request("s1"), deps(store, make_snapshot()), CONFIG).summary
    assert retried.ok and store.latest_scans()[0].ok


def test_an_org_error_is_still_raised_when_the_table_cannot_record_it(
    store: InMemoryFindingsStore,
) -> None:
    store.fail["record_failure"] = RuntimeError("table unreachable")
    store.fail["write_findings"] = RuntimeError("table unreachable")
    with pytest.raises(RuntimeError, match="table unreachable"):
        scan_org(request("s1"), deps(store, make_snapshot()), CONFIG)
