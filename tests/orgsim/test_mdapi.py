"""Metadata API over SOAP, read by simple-salesforce's own zeep client (sf.mdapi)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from orgsim_testkit import trusting_session
from simple_salesforce import Salesforce
from zeep.exceptions import Fault

from orgsim import Faults, OrgSimulator


def test_list_connected_apps_includes_unreadable_ones(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    listed = sf.mdapi.list_metadata([sf.mdapi.ListMetadataQuery(type="ConnectedApp")])
    assert sorted(p.fullName for p in listed) == ["Acme_ETL", "Portal_Only", "Vendor_App"]
    etl = next(p for p in listed if p.fullName == "Acme_ETL")
    assert (etl.type, etl.fileName) == ("ConnectedApp", "connectedApps/Acme_ETL.connectedApp")


def test_read_one_connected_app_gives_nested_values(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    app = client(shared_sim).mdapi.ConnectedApp.read(["Acme_ETL"])
    assert app.fullName == "Acme_ETL"
    assert app.label == "Acme ETL"
    assert app.oauthPolicy.ipRelaxation == "BYPASS"
    assert app.oauthConfig.isAdminApproved is True
    assert app.oauthConfig.scopes == ["Api", "RefreshToken"]
    assert [(r.start, r.end) for r in app.ipRanges] == [("10.0.0.0", "10.0.0.255")]


def test_read_several_and_an_unreadable_one(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    apps = client(shared_sim).mdapi.ConnectedApp.read(["Acme_ETL", "Portal_Only", "Vendor_App"])
    assert [a.fullName for a in apps] == ["Acme_ETL", "Portal_Only", None]  # None: not readable
    assert apps[1].oauthConfig is None  # not OAuth-enabled


def test_read_settings_and_external_client_app_policies(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    mdapi = client(shared_sim).mdapi
    security = mdapi.SecuritySettings.read(["Security"])
    assert security.sessionSettings.enforceIpRangesEveryRequest is False
    assert security.networkAccess.ipRanges[0].start == "10.0.0.0"
    policy = mdapi.ExtlClntAppOauthConfigurablePolicies.read(["Vendor_ECA_oauthPlcy"])
    assert (policy.externalClientApplication, policy.ipRelaxationPolicyType) == (
        "Vendor_ECA",
        "Bypass",
    )
    assert mdapi.ExternalClientApplication.read(["Vendor_ECA"]).distributionState == "Local"


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        (Faults(insufficient_access=frozenset({"ConnectedApp"})), "sf:INSUFFICIENT_ACCESS"),
        (Faults(invalid_type=frozenset({"ConnectedApp"})), "sf:INVALID_TYPE"),
    ],
)
def test_type_level_faults_are_soap_faults(
    sim: OrgSimulator, client: Callable[..., Salesforce], faults: Faults, code: str
) -> None:
    sim.set_faults(faults)
    mdapi = client(sim).mdapi
    with pytest.raises(Fault) as listing:
        mdapi.list_metadata([mdapi.ListMetadataQuery(type="ConnectedApp")])
    assert listing.value.code == code
    with pytest.raises(Fault):
        mdapi.ConnectedApp.read(["Acme_ETL"])
    assert mdapi.SecuritySettings.read(["Security"]).fullName == "Security"  # others still work


def test_item_level_fault_leaves_the_item_out_of_read(
    sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sim.set_faults(Faults(insufficient_access=frozenset({"ConnectedApp:Acme_ETL"})))
    mdapi = client(sim).mdapi
    listed = mdapi.list_metadata([mdapi.ListMetadataQuery(type="ConnectedApp")])
    assert "Acme_ETL" in [p.fullName for p in listed]
    assert mdapi.ConnectedApp.read(["Acme_ETL"]).fullName is None


def test_bad_session_is_an_invalid_session_fault(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    mdapi = client(shared_sim, "not-a-token").mdapi
    with pytest.raises(Fault) as err:
        mdapi.ConnectedApp.read(["Acme_ETL"])
    assert err.value.code == "sf:INVALID_SESSION_ID"


def test_soap_responses_carry_the_usage_header(sim: OrgSimulator) -> None:
    envelope = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><m:SessionHeader>'
        f"<m:sessionId>{sim.access_token}</m:sessionId></m:SessionHeader></soapenv:Header>"
        "<soapenv:Body><m:readMetadata><m:type>SecuritySettings</m:type>"
        "<m:fullNames>Security</m:fullNames></m:readMetadata></soapenv:Body></soapenv:Envelope>"
    )
    resp = trusting_session(sim).post(
        f"{sim.instance_url}/services/Soap/m/62.0",
        data=envelope,
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        verify=sim.ca_bundle,
        timeout=30,
    )
    assert resp.status_code == 200
    assert 'xsi:type="SecuritySettings"' in resp.text
    assert resp.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
