"""Admin changes while the org runs: a demo can show a fix turning into a resolution.

In process (``InProcessOrg``), except the admin call over HTTPS, which needs the real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from orgsim_testkit import FIXTURE
from simple_salesforce import Salesforce, format_soql

from orgsim import OrgSimulator
from orgsim.admin import call_admin
from orgsim.inprocess import InProcessOrg
from orgsim.store import AdminError

ETL, VENDOR = "005SIM000000001AAA", "005SIM000000004AAA"
API_ONLY_SET, GROUP = "0PSSIM000000001AAA", "0PGSIM000000001AAA"
INTEGRATION_PROFILE = "00eSIM000000001AAA"


def test_in_process_changes_show_in_later_reads(
    sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(sim)
    sim.set_ip_relaxation("Acme_ETL", "ENFORCE")
    assert sf.mdapi.ConnectedApp.read(["Acme_ETL"]).oauthPolicy.ipRelaxation == "ENFORCE"
    sim.set_ip_relaxation("Vendor_ECA", "Enforce")
    policy = sf.mdapi.ExtlClntAppOauthConfigurablePolicies.read(["Vendor_ECA_oauthPlcy"])
    assert policy.ipRelaxationPolicyType == "Enforce"
    sim.set_session_setting("enforceIpRangesEveryRequest", True)
    assert sf.mdapi.SecuritySettings.read(["Security"]).sessionSettings.enforceIpRangesEveryRequest
    new_id = sim.add_permission_set_assignment(ETL, GROUP)
    psa = sf.query(
        format_soql(
            "SELECT PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment "
            "WHERE Id = {}",
            new_id,
        )
    )
    assert psa["records"][0]["PermissionSetGroupId"] == GROUP
    sim.add_login_ip_range(INTEGRATION_PROFILE, "192.0.2.0", "192.0.2.255", "VPN")
    ranges = sf.query(
        format_soql(
            "SELECT StartAddress FROM LoginIpRange WHERE ProfileId = {}", INTEGRATION_PROFILE
        )
    )
    assert sorted(r["StartAddress"] for r in ranges["records"]) == ["10.0.0.0", "192.0.2.0"]


def test_admin_changes_do_not_touch_the_callers_snapshot(snapshot_dict: dict[str, object]) -> None:
    with InProcessOrg(snapshot_dict) as sim:
        sim.set_ip_relaxation("Acme_ETL", "ENFORCE")
    apps = snapshot_dict["metadata"]["ConnectedApp"]  # type: ignore[index]
    assert apps[0]["oauthPolicy"]["ipRelaxation"] == "BYPASS"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda s: s.set_ip_relaxation("Nope", "ENFORCE"), "no ConnectedApp"),
        (lambda s: s.add_permission_set_assignment("005nobody", API_ONLY_SET), "no User"),
        (lambda s: s.add_permission_set_assignment(ETL, "0PSnothing"), "no PermissionSet"),
        (lambda s: s.add_login_ip_range(INTEGRATION_PROFILE, "10.0.0.9", "10.0.0.1"), "ascending"),
        (lambda s: s.add_login_ip_range(INTEGRATION_PROFILE, "10.0.0.x", "10.0.0.1"), "not an IP"),
    ],
)
def test_impossible_changes_are_refused(
    sim: OrgSimulator, change: Callable[[OrgSimulator], object], fragment: str
) -> None:
    with pytest.raises(AdminError, match=fragment):
        change(sim)


@pytest.fixture
def https_sim() -> Iterator[OrgSimulator]:
    with OrgSimulator(FIXTURE) as served:
        yield served


def test_admin_over_https_from_another_process(
    https_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    # call_admin speaks HTTPS (another process has no InProcessOrg): the real server, on a socket.
    sim = https_sim
    result = call_admin(
        sim.instance_url, sim.access_token, sim.ca_bundle,
        "add_permission_set_assignment", assignee_id=ETL, permission_set_id=API_ONLY_SET,
    )  # fmt: skip
    assert result["ok"] is True
    found = client(sim).query(
        format_soql("SELECT AssigneeId FROM PermissionSetAssignment WHERE Id = {}", result["id"])
    )
    assert found["records"][0]["AssigneeId"] == ETL
    call_admin(sim.instance_url, sim.access_token, sim.ca_bundle, "set_session_setting",
               name="lockSessionsToIp", value=True)  # fmt: skip
    assert client(sim).mdapi.SecuritySettings.read(["Security"]).sessionSettings.lockSessionsToIp
    with pytest.raises(AdminError, match="400"):
        call_admin(
            sim.instance_url,
            sim.access_token,
            sim.ca_bundle,
            "set_ip_relaxation",
            app_full_name="X",
        )
    with pytest.raises(AdminError, match="401"):
        call_admin(
            sim.instance_url, "forged", sim.ca_bundle, "set_session_setting", name="a", value=True
        )
    assert sim.api_calls == 2  # admin calls are not API calls
