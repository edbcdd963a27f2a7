"""The bundled demo org (orgsim/orgs/demo.json) exercises every rule both ways.

The demo, the docs and the end-to-end tests rely on it showing each rule FAILED somewhere and
PASSED somewhere else, and on the traps in it (failed logins, logins older than the window, an
expired and an inactive permission-set assignment, an excluded user, portal users) not counting.
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sfscan.domain.findings import Finding, Severity, Status
from sfscan.domain.rule_ids import RULE_IDS
from sfscan.domain.settings import Settings, load_settings
from sfscan.domain.snapshot import Snapshot, load_snapshot, parse_snapshot
from sfscan.engine import ScanResult, evaluate

ORGS = Path(__file__).resolve().parents[2] / "orgsim" / "orgs"
ALL_REASONS = {"license", "profile", "api-only", "run-as", "configured", "behavior"}


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_demo", ORGS / "generate_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(ORGS / "demo.json")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ORGS / "demo.settings.json")


@pytest.fixture(scope="module")
def result(snapshot: Snapshot, settings: Settings) -> ScanResult:
    return evaluate(snapshot, settings)


@pytest.fixture(scope="module")
def user_ids(snapshot: Snapshot) -> dict[str, str]:
    return {u["Username"].split("@")[0]: u["Id"] for u in snapshot.sobjects["User"]}


def by_resource(result: ScanResult, rule_id: str) -> dict[str, Finding]:
    return {f.resource_id: f for f in result.findings if f.rule_id == rule_id}


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    assert load_generator().main(["--out-dir", str(tmp_path)]) == 0
    for name in ("demo.json", "demo.settings.json"):
        assert (tmp_path / name).read_bytes() == (ORGS / name).read_bytes(), (
            f"{name} is stale: run python orgsim/orgs/generate_demo.py"
        )


def test_demo_org_looks_like_a_real_org(snapshot: Snapshot) -> None:
    assert snapshot.org.Name == "Acme Corporation" and len(snapshot.org_id) == 18
    assert snapshot.captured_at.isoformat() == "2026-11-28T12:00:00+00:00"
    users = snapshot.sobjects["User"]
    assert 35 <= len(users) <= 50
    assert any(not u["IsActive"] for u in users)
    assert any(u["UserType"] != "Standard" for u in users)
    assert 300 <= len(snapshot.sobjects["LoginHistory"]) <= 2500
    assert {r["Status"] for r in snapshot.sobjects["LoginHistory"]} >= {
        "Success",
        "Invalid Password",
        "Restricted IP",
    }
    relaxations = {
        app.get("oauthPolicy", {}).get("ipRelaxation", "absent")
        for app in snapshot.metadata["ConnectedApp"]
        if "oauthConfig" in app
    }
    assert relaxations == {"ENFORCE", "absent", "BYPASS", "BYPASS_2FACTOR", "ENFORCE_RELAXREFRESH"}


@pytest.mark.parametrize("rule_id", [r for r in RULE_IDS if r != "SF-ORG-01"])
def test_every_rule_fails_and_passes_somewhere(result: ScanResult, rule_id: str) -> None:
    statuses = {f.status for f in result.findings if f.rule_id == rule_id}
    assert Status.FAILED in statuses, f"{rule_id} never FAILED on the demo org"
    assert Status.PASSED in statuses, f"{rule_id} never PASSED on the demo org"


def test_org_rule_fails_on_the_demo_and_passes_once_fixed(
    snapshot: Snapshot, settings: Settings
) -> None:
    # SF-ORG-01 judges a single resource, the org, so one snapshot cannot show both outcomes:
    # the demo FAILS it, and turning on "Enforce login IP ranges on every request" PASSES it.
    def org_status(snap: Snapshot) -> set[Status]:
        return {f.status for f in evaluate(snap, settings).findings if f.rule_id == "SF-ORG-01"}

    assert org_status(snapshot) == {Status.FAILED}
    data: dict[str, Any] = json.loads((ORGS / "demo.json").read_text(encoding="utf-8"))
    data["metadata"]["SecuritySettings"][0]["sessionSettings"]["enforceIpRangesEveryRequest"] = True
    assert org_status(parse_snapshot(data)) == {Status.PASSED}


def test_every_identification_reason_occurs(result: ScanResult) -> None:
    reasons: dict[str, set[str]] = defaultdict(set)
    for f in result.findings:
        if f.rule_id == "SF-IU-01":
            for reason in f.evidence.get("reasons", []):
                reasons[reason].add(f.resource_name)
    assert set(reasons) == ALL_REASONS


def test_people_excluded_and_portal_users_are_not_integration_users(
    result: ScanResult, user_ids: dict[str, str]
) -> None:
    judged = {f.resource_id for f in result.findings if f.rule_id == "SF-IU-01"}
    for name in ("sso.healthcheck", "l.moreau", "j.whitfield", "informatica.old", "tom.becker"):
        assert user_ids[name] not in judged, name


def test_api_only_counts_only_live_assignments(
    result: ScanResult, user_ids: dict[str, str]
) -> None:
    iu01 = by_resource(result, "SF-IU-01")
    assert iu01[user_ids["datasync.runas"]].status is Status.PASSED  # a plain permission set
    assert iu01[user_ids["warehouse.runas"]].status is Status.PASSED  # a permission-set group
    assert iu01[user_ids["backup.service"]].status is Status.FAILED  # assignment expired
    assert iu01[user_ids["int-marketo"]].status is Status.FAILED  # assignment inactive


def test_failed_and_old_logins_do_not_count(result: ScanResult, user_ids: dict[str, str]) -> None:
    # mulesoft has a blocked Tor attempt, an invalid-password UI attempt and a UI login 38 days
    # ago: none of them may fail it.
    mulesoft = user_ids["mulesoft.integration"]
    statuses = {f.rule_id: f.status for f in result.findings if f.resource_id == mulesoft}
    assert statuses["SF-IU-04"] is Status.PASSED
    assert statuses["SF-NET-01"] is Status.PASSED
    assert by_resource(result, "SF-IU-04")[user_ids["legacy.integration"]].status is Status.FAILED


def test_api_logins_from_outside_the_network_are_caught(
    result: ScanResult, user_ids: dict[str, str]
) -> None:
    net = by_resource(result, "SF-NET-01")
    etl = net[user_ids["etl.integration"]]
    assert etl.status is Status.FAILED
    assert "185.220.101." in json.dumps(etl.evidence)
    assert net[user_ids["warehouse.runas"]].status is Status.PASSED  # IPv6 inside the boundary


def test_connected_app_grading(result: ScanResult) -> None:
    ca01 = by_resource(result, "SF-CA-01")
    assert (ca01["Legacy_ETL"].status, ca01["Legacy_ETL"].severity) == (
        Status.FAILED,
        Severity.HIGH,
    )
    assert ca01["Acme_Field_Mobile"].severity is Severity.MEDIUM
    assert ca01["Tableau_Connector"].severity is Severity.MEDIUM
    assert ca01["Jenkins_CI"].status is Status.PASSED
    # ipRelaxation is required since Metadata API v49: absent is a partial read, not ENFORCE.
    assert ca01["MuleSoft_Anypoint"].status is Status.NOT_AVAILABLE
    assert "Acme_Intranet_SSO" not in ca01  # SAML only: nothing to judge
    # The managed app (metadata unreadable, SOQL readable) is one resource, by its fullName.
    docusign = [f for rid, f in ca01.items() if "DocuSign" in rid]
    assert [(f.resource_id, f.status) for f in docusign] == [
        ("dsfs__DocuSign_eSignature", Status.NOT_AVAILABLE)
    ]


def test_suppressions_apply_until_they_expire(result: ScanResult, user_ids: dict[str, str]) -> None:
    jenkins = by_resource(result, "SF-IU-06")[user_ids["jenkins.deploy"]]
    assert jenkins.status is Status.FAILED and jenkins.suppressed
    legacy_etl = by_resource(result, "SF-CA-01")["Legacy_ETL"]
    assert legacy_etl.status is Status.FAILED and not legacy_etl.suppressed  # expired


def test_uninstalled_apps_holding_tokens_fail_and_installed_ones_pass(result: ScanResult) -> None:
    ca04 = {rid: f.status for rid, f in by_resource(result, "SF-CA-04").items()}
    assert ca04["OwnBackup"] is Status.FAILED
    assert ca04["Salesforce Data Loader"] is Status.FAILED
    assert ca04["Acme Warehouse Sync"] is Status.PASSED  # an external client app
    assert ca04["DocuSign eSignature"] is Status.PASSED  # installed, metadata unreadable


def test_an_integration_user_of_another_user_type_is_judged(
    result: ScanResult, user_ids: dict[str, str]
) -> None:
    cloud = by_resource(result, "SF-IU-01")[user_ids["cloud.sync"]]
    assert cloud.status is Status.PASSED
    assert cloud.evidence["reasons"][:3] == ["license", "profile", "api-only"]


def test_an_unknown_login_type_warns(result: ScanResult, user_ids: dict[str, str]) -> None:
    cloud = by_resource(result, "SF-IU-04")[user_ids["cloud.sync"]]
    assert cloud.status is Status.WARNING and "CrossTenantLogin" in cloud.detail


def test_revoked_assignments_and_outdated_groups(
    result: ScanResult, user_ids: dict[str, str]
) -> None:
    iu06 = by_resource(result, "SF-IU-06")
    # mulesoft's Modify All Data assignment is revoked: it no longer counts.
    assert iu06[user_ids["mulesoft.integration"]].status is Status.PASSED
    # cloud.sync holds a group being recalculated: no PASS on stale permissions.
    cloud = iu06[user_ids["cloud.sync"]]
    assert cloud.status is Status.NOT_AVAILABLE and "Integration_Legacy_Bundle" in cloud.detail


def test_portal_users_are_listed_out_of_scope(result: ScanResult) -> None:
    assert {u["username"].split("@")[0] for u in result.out_of_scope} == {"j.whitfield", "l.moreau"}


def test_demo_counts(result: ScanResult) -> None:
    """The figures the README quotes for the demo."""
    assert result.summary()["total"] == 102
    assert result.summary()["by_status"] == {
        "PASSED": 65,
        "FAILED": 33,
        "WARNING": 1,
        "NOT_AVAILABLE": 3,
    }
