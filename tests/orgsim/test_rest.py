"""REST answers to the real simple-salesforce client: queries, paging, tooling, limits, errors."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from orgsim_testkit import FIXTURE, trusting_session
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from orgsim import OrgSimulator
from orgsim.inprocess import InProcessOrg

BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}


def test_query_all_iter_follows_next_records_url_across_pages(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    first = sf.query("SELECT Id, SourceIp FROM LoginHistory", headers=BATCH_200)
    assert first["totalSize"] == 450
    assert first["done"] is False
    assert len(first["records"]) == 200
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-200")
    records = list(sf.query_all_iter("SELECT Id, SourceIp FROM LoginHistory", headers=BATCH_200))
    assert len(records) == 450
    assert len({r["Id"] for r in records}) == 450
    record = records[0]
    assert record["attributes"] == {
        "type": "LoginHistory",
        "url": f"/services/data/v62.0/sobjects/LoginHistory/{record['Id']}",
    }
    assert list(record) == ["attributes", "Id", "SourceIp"]


def test_batch_size_defaults_to_2000_and_is_at_least_200(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    assert sf.query("SELECT Id FROM LoginHistory")["done"] is True
    tiny = sf.query("SELECT Id FROM LoginHistory", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(tiny["records"]) == 200


def test_query_all_and_include_deleted(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    result = sf.query_all(
        "SELECT Id FROM LoginHistory WHERE LoginType = 'Application'", include_deleted=True
    )
    assert result["totalSize"] == 90
    assert len(result["records"]) == 90


def test_aggregate_rows_are_aggregate_results(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    soql = (
        "SELECT UserId, COUNT(Id), MAX(LoginTime) latest FROM LoginHistory "
        "WHERE LoginTime = LAST_N_DAYS:30 GROUP BY UserId ORDER BY UserId"
    )
    result = sf.query(soql)
    assert result["done"] is True
    assert "nextRecordsUrl" not in result
    assert [dict(r) for r in result["records"]] == [
        {"attributes": {"type": "AggregateResult"}, "UserId": "005SIM000000001AAA", "expr0": 244,
         "latest": "2026-11-28T09:00:00.000+0000"},
        {"attributes": {"type": "AggregateResult"}, "UserId": "005SIM000000004AAA", "expr0": 122,
         "latest": "2026-11-28T11:00:00.000+0000"},
    ]  # fmt: skip
    assert sf.query("SELECT COUNT() FROM User WHERE IsActive = true") == {
        "totalSize": 3, "done": True, "records": []
    }  # fmt: skip


def test_weighted_login_history_rows(
    snapshot_dict: dict[str, object], client: Callable[..., Salesforce]
) -> None:
    data = dict(snapshot_dict)
    data["sobjects"] = {
        **snapshot_dict["sobjects"],  # type: ignore[dict-item]
        "LoginHistory": [
            {"UserId": "005SIM000000001AAA", "LoginType": "Remote Access 2.0",
             "Status": "Success", "SourceIp": "198.51.100.7", "count": 2500,
             "LoginTime": "2026-11-27T10:00:00.000+0000"},
        ],
    }  # fmt: skip
    with InProcessOrg(data) as sim:
        sf = client(sim)
        assert sf.query("SELECT COUNT() FROM LoginHistory")["totalSize"] == 2500
        rows = list(sf.query_all_iter("SELECT Id, SourceIp FROM LoginHistory"))
        assert len(rows) == 2500
        assert len({r["Id"] for r in rows}) == 2500
        with pytest.raises(SalesforceMalformedRequest):
            sf.query("SELECT count FROM LoginHistory")  # a snapshot convention, not a field


def test_tooling_query_and_paging_urls(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    sf = client(shared_sim)
    result = sf.toolingexecute("query/?q=" + quote("SELECT Score FROM SecurityHealthCheck"))
    assert result["records"][0]["Score"] == "72"
    assert result["records"][0]["attributes"]["url"].startswith(
        "/services/data/v62.0/tooling/sobjects/SecurityHealthCheck/"
    )
    risks = sf.restful(
        "tooling/query/", params={"q": "SELECT Setting FROM SecurityHealthCheckRisks"}
    )
    assert risks["totalSize"] == 2
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.toolingexecute("query/?q=" + quote("SELECT Id FROM User"))  # not a tooling object
    assert err.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_limits_and_usage_header(sim: OrgSimulator, client: Callable[..., Salesforce]) -> None:
    sf = client(sim)
    sf.query("SELECT Id FROM User")
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 14998}
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, 15000)
    assert sim.api_calls == 2


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROM Nope", "INVALID_TYPE", "sObject type 'Nope' is not supported."),
        ("SELECT Bogus FROM User", "INVALID_FIELD", "No such column 'Bogus' on entity 'User'"),
        ("SELECT FROM User", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM AuthSession", "INSUFFICIENT_ACCESS", "lacks Manage Users"),
    ],
)
def test_query_errors_are_salesforce_error_lists(
    shared_sim: OrgSimulator, client: Callable[..., Salesforce], soql: str, code: str, fragment: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as err:
        client(shared_sim).query(soql)
    assert err.value.status == 400
    assert err.value.content[0]["errorCode"] == code
    assert fragment in err.value.content[0]["message"]


def test_an_empty_object_knows_its_documented_fields(
    snapshot_dict: dict[str, object], client: Callable[..., Salesforce]
) -> None:
    data = dict(snapshot_dict)
    data["sobjects"] = {**snapshot_dict["sobjects"], "OauthToken": []}  # type: ignore[dict-item]
    with InProcessOrg(data) as sim:
        result = client(sim).query("SELECT AppName, UserId, UseCount FROM OauthToken")
    assert result == {"totalSize": 0, "done": True, "records": []}


def test_versions_list_needs_no_token(shared_sim: OrgSimulator) -> None:
    resp = trusting_session(shared_sim).get(
        f"{shared_sim.instance_url}/services/data/", verify=shared_sim.ca_bundle, timeout=30
    )
    assert resp.status_code == 200
    assert {"label": "v62.0", "url": "/services/data/v62.0", "version": "62.0"} in resp.json()


def test_missing_or_wrong_token_is_invalid_session(shared_sim: OrgSimulator) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        resp = trusting_session(shared_sim).get(
            f"{shared_sim.instance_url}/services/data/v62.0/query/",
            params={"q": "SELECT Id FROM User"},
            headers=headers,
            verify=shared_sim.ca_bundle,
            timeout=30,
        )
        assert resp.status_code == 401
        assert resp.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]
        assert resp.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_request_log_records_each_call(
    sim: OrgSimulator, client: Callable[..., Salesforce]
) -> None:
    client(sim).query("SELECT Id FROM User")
    entry = sim.request_log[-1]
    assert (entry.method, entry.path, entry.soql, entry.status) == (
        "GET", "/services/data/v62.0/query/", "SELECT Id FROM User", 200
    )  # fmt: skip


def test_snapshot_can_be_given_as_path_dict_or_model(snapshot_dict: dict[str, object]) -> None:
    from sfscan.domain.snapshot import parse_snapshot

    for given in (FIXTURE, str(FIXTURE), snapshot_dict, parse_snapshot(snapshot_dict)):
        with InProcessOrg(given) as sim:  # type: ignore[arg-type]
            assert sim.username == "etl@acme.example"
