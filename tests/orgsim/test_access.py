"""The simulator serves what the logged-in user may read, as a real org does: an error for setup
objects and metadata without the permission, silently only the caller's own rows for
LoginHistory and OauthToken (salesforce-api notes: from API 37, no error)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
from orgsim_testkit import FIXTURE, trusting_session
from sfscan.collect.metadata import list_metadata_envelope
from sfscan.domain.errors import InputError

from orgsim import OrgSimulator
from orgsim.inprocess import InProcessOrg

ETL = "etl@acme.example"
ETL_ID = "005SIM000000001AAA"
VENDOR_ID = "005SIM000000004AAA"
ETL_PROFILE = "00eSIM000000001AAA"


def with_profile(snapshot: dict[str, Any], **columns: bool) -> dict[str, Any]:
    """The fixture with these Permissions<Name> columns on etl's profile."""
    data = copy.deepcopy(snapshot)
    for profile in data["sobjects"]["Profile"]:
        if profile["Id"] == ETL_PROFILE:
            profile.update({f"Permissions{k}": v for k, v in columns.items()})
    return data


def query(sim: OrgSimulator, soql: str) -> requests.Response:
    session = trusting_session(sim)
    return session.get(
        f"{sim.instance_url}/services/data/v62.0/query/",
        params={"q": soql},
        headers={"Authorization": f"Bearer {sim.access_token}"},
        timeout=30,
    )


def user_ids(sim: OrgSimulator, sobject: str) -> set[str]:
    answer = query(sim, f"SELECT UserId FROM {sobject}")
    assert answer.status_code == 200, answer.text
    return {r["UserId"] for r in answer.json()["records"]}


def test_login_history_without_the_permission_is_the_callers_own_rows_and_no_error(
    snapshot_dict: dict[str, Any],
) -> None:
    with InProcessOrg(snapshot_dict) as full:
        assert user_ids(full, "LoginHistory") == {ETL_ID, VENDOR_ID}
    limited = with_profile(snapshot_dict, ManageUsers=False, MonitorLoginHistory=False)
    with InProcessOrg(limited, username=ETL) as sim:
        assert user_ids(sim, "LoginHistory") == {ETL_ID}
    either = with_profile(snapshot_dict, ManageUsers=False, MonitorLoginHistory=True)
    with InProcessOrg(either, username=ETL) as sim:
        assert user_ids(sim, "LoginHistory") == {ETL_ID, VENDOR_ID}


def test_oauth_tokens_without_customize_application_are_the_callers_own(
    snapshot_dict: dict[str, Any],
) -> None:
    data = copy.deepcopy(snapshot_dict)
    token = data["sobjects"]["OauthToken"][0]
    data["sobjects"]["OauthToken"].append(dict(token, UserId=VENDOR_ID, AppName="Vendor"))
    with InProcessOrg(with_profile(data, CustomizeApplication=False), username=ETL) as sim:
        assert user_ids(sim, "OauthToken") == {ETL_ID}
    with InProcessOrg(with_profile(data, CustomizeApplication=True), username=ETL) as sim:
        assert user_ids(sim, "OauthToken") == {ETL_ID, VENDOR_ID}


def test_setup_objects_without_view_setup_answer_an_error_naming_it(
    snapshot_dict: dict[str, Any],
) -> None:
    limited = with_profile(snapshot_dict, ViewSetup=False, ManageUsers=False)
    with InProcessOrg(limited, username=ETL) as sim:
        answers = [
            query(sim, f"SELECT Id FROM {sobject}")
            for sobject in ("Profile", "PermissionSetAssignment", "LoginIpRange")
        ]
        users = query(sim, "SELECT Id FROM User")
    assert users.status_code == 200  # not a setup object
    for answer in answers:
        assert answer.status_code == 400
        error = answer.json()[0]
        assert error["errorCode"] == "INSUFFICIENT_ACCESS"
        assert "View Setup and Configuration" in error["message"]


@pytest.mark.parametrize(("metadata", "all_data", "refused"), [
    (False, False, True), (True, False, False), (False, True, False),
])  # fmt: skip
def test_metadata_api_needs_modify_metadata_or_modify_all_data(
    snapshot_dict: dict[str, Any], metadata: bool, all_data: bool, refused: bool
) -> None:
    data = with_profile(snapshot_dict, ModifyMetadata=metadata, ModifyAllData=all_data)
    with InProcessOrg(data, username=ETL) as sim:
        answer = trusting_session(sim).post(
            f"{sim.instance_url}/services/Soap/m/62.0",
            data=list_metadata_envelope(sim.access_token, ["ConnectedApp"], "62.0"),
            headers={"Content-Type": "text/xml", "SOAPAction": '""'},
            timeout=30,
        )
    assert (answer.status_code == 500) is refused
    assert ("INSUFFICIENT_ACCESS" in answer.text) is refused


def permissions(sim: OrgSimulator) -> dict[str, Any]:
    answer = query(
        sim, "SELECT PermissionsManageUsers, PermissionsApiUserOnly FROM UserPermissionAccess"
    )
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()["records"][0]
    return record


@pytest.mark.parametrize(("change", "granted"), [
    ({}, True),
    ({"IsActive": False}, False),
    ({"IsRevoked": True}, False),
    ({"ExpirationDate": "2026-11-01T00:00:00.000+0000"}, False),
    ({"ExpirationDate": "2027-01-01T00:00:00.000+0000"}, True),
])  # fmt: skip
def test_user_permission_access_counts_only_live_assignments(
    snapshot_dict: dict[str, Any], change: dict[str, Any], granted: bool
) -> None:
    data = with_profile(snapshot_dict, ManageUsers=False)
    data["sobjects"]["PermissionSet"].append(
        {"Id": "0PSSIM000000009AAA", "Name": "Users_Admin", "PermissionsManageUsers": True}
    )
    data["sobjects"]["PermissionSetAssignment"].append(
        {"Id": "0PaSIM000000009AAA", "AssigneeId": ETL_ID,
         "PermissionSetId": "0PSSIM000000009AAA", "IsActive": True, **change}
    )  # fmt: skip
    with InProcessOrg(data, username=ETL) as sim:
        assert permissions(sim)["PermissionsManageUsers"] is granted


def test_the_default_user_is_a_fully_provisioned_scanner(snapshot_dict: dict[str, Any]) -> None:
    data = with_profile(snapshot_dict, ManageUsers=False, MonitorLoginHistory=False)
    with InProcessOrg(data) as sim:
        assert sim.username == ETL
        assert user_ids(sim, "LoginHistory") == {ETL_ID, VENDOR_ID}
        assert permissions(sim)["PermissionsApiUserOnly"] is True


def test_an_unknown_or_inactive_username_is_refused() -> None:
    for username in ("nobody@acme.example", "old@acme.example"):
        with pytest.raises(InputError, match="no active User"):
            InProcessOrg(FIXTURE, username=username).start()
