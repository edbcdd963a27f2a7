"""The record builders (orgsim/records.py: tests, synthetic orgs and the demo org) write only
fields the fact table (collect/facts.py) says sfscan reads, so a builder cannot invent a field a
real org does not send; the fact table stays the one list of Salesforce fields."""

from __future__ import annotations

from typing import Any

import pytest
from sfscan.collect import facts

from orgsim import records as r

USER = r.make_user("int@acme.example.com")
PROFILE = r.make_profile()
PERMISSION_SET = r.make_permission_set("Api_Only")

BUILT: dict[str, dict[str, Any]] = {
    "sobject:User": USER,
    "sobject:Profile": PROFILE,
    "sobject:UserLicense": r.make_license(),
    "sobject:PermissionSet": PERMISSION_SET,
    "sobject:PermissionSetGroup": r.make_permission_set_group("Integration"),
    "sobject:PermissionSetAssignment": r.make_assignment(USER, PERMISSION_SET),
    "sobject:LoginIpRange": r.make_ip_range(PROFILE, "192.0.2.0", "192.0.2.255"),
    "sobject:ConnectedApplication": r.make_connected_application("Acme ETL"),
    "sobject:OauthToken": r.make_oauth_token("Acme ETL", USER),
}
# LoginHistory groups carry the aggregate's count (docs/snapshot-data.md); rows carry none.
LOGIN_FIELDS = {*facts.source("sobject:LoginHistory").field_names, "count"}


@pytest.mark.parametrize("key", sorted(BUILT))
def test_a_builder_writes_only_fields_the_fact_table_lists(key: str) -> None:
    listed = set(facts.source(key).field_names)
    extra = {f for f in BUILT[key] if not f.startswith("Permissions")} - listed
    assert extra == set()


@pytest.mark.parametrize("count", [None, 3])
def test_login_rows_and_groups_use_the_fact_tables_fields(count: int | None) -> None:
    assert set(r.make_login(USER, count=count)) <= LOGIN_FIELDS
