"""REST Composite: up to 25 describes in one request, counted as one API call, each
subrequest answered as it would be on its own (the readiness check relies on this)."""

from __future__ import annotations

from typing import Any

import requests
from orgsim_testkit import trusting_session

from orgsim import OrgSimulator


def composite(sim: OrgSimulator, urls: list[str]) -> requests.Response:
    body = {
        "compositeRequest": [
            {"method": "GET", "url": url, "referenceId": f"r{i}"} for i, url in enumerate(urls)
        ]
    }
    return trusting_session(sim).post(
        f"{sim.instance_url}/services/data/v62.0/composite",
        json=body,
        headers={"Authorization": f"Bearer {sim.access_token}"},
        timeout=30,
    )


def test_describes_in_one_composite_call_count_once_and_answer_each(
    shared_sim: OrgSimulator,
) -> None:
    before = shared_sim.api_calls
    answer = composite(
        shared_sim,
        [
            "/services/data/v62.0/sobjects/User/describe",
            "/services/data/v62.0/sobjects/NoSuchThing/describe",
        ],
    )
    assert shared_sim.api_calls == before + 1
    subs: list[dict[str, Any]] = answer.json()["compositeResponse"]
    assert [s["referenceId"] for s in subs] == ["r0", "r1"]
    assert subs[0]["httpStatusCode"] == 200
    assert "Username" in {f["name"] for f in subs[0]["body"]["fields"]}
    assert subs[1]["httpStatusCode"] == 404
    assert subs[1]["body"][0]["errorCode"] == "NOT_FOUND"


def test_more_than_25_subrequests_are_refused(shared_sim: OrgSimulator) -> None:
    answer = composite(shared_sim, ["/services/data/v62.0/sobjects/User/describe"] * 26)
    assert answer.status_code == 400


def post(sim: OrgSimulator, path: str, subrequests: list[dict[str, Any]]) -> requests.Response:
    return trusting_session(sim).post(
        f"{sim.instance_url}/services/data/v62.0/{path}",
        json={"allOrNone": False, "compositeRequest": subrequests},
        headers={"Authorization": f"Bearer {sim.access_token}"},
        timeout=30,
    )


def get(ref: str, url: str) -> dict[str, Any]:
    return {"method": "GET", "url": f"/services/data/v62.0/{url}", "referenceId": ref}


def test_a_later_query_takes_a_value_from_an_earlier_answer(shared_sim: OrgSimulator) -> None:
    user = "SELECT+Id,ProfileId+FROM+User+WHERE+Username+=+'etl@acme.example'"
    subs = post(
        shared_sim,
        "composite",
        [
            get("me", f"query/?q={user}"),
            get(
                "ranges",
                "query/?q=SELECT+Id+FROM+LoginIpRange+"
                "WHERE+ProfileId+=+'@{me.records[0].ProfileId}'",
            ),
            get("none", "query/?q=SELECT+Id+FROM+User+WHERE+Id+=+'@{me.records[5].Id}'"),
        ],
    ).json()["compositeResponse"]
    profile_id = subs[0]["body"]["records"][0]["ProfileId"]
    assert subs[1]["httpStatusCode"] == 200
    direct = (
        trusting_session(shared_sim)
        .get(
            f"{shared_sim.instance_url}/services/data/v62.0/query/",
            params={"q": f"SELECT Id FROM LoginIpRange WHERE ProfileId = '{profile_id}'"},
            headers={"Authorization": f"Bearer {shared_sim.access_token}"},
            timeout=30,
        )
        .json()
    )
    assert subs[1]["body"]["records"] == direct["records"] != []
    # A value the earlier answer does not hold halts that subrequest only.
    assert subs[2]["httpStatusCode"] == 400
    assert subs[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_tooling_composite_serves_tooling_urls_as_one_call(shared_sim: OrgSimulator) -> None:
    before = shared_sim.api_calls
    answer = post(
        shared_sim,
        "tooling/composite",
        [
            get("d", "tooling/sobjects/SecurityHealthCheck/describe"),
            get("q", "tooling/query/?q=SELECT+Score+FROM+SecurityHealthCheck"),
            get("rest", "sobjects/User/describe"),  # a REST URL: not in a Tooling composite
        ],
    )
    assert shared_sim.api_calls == before + 1
    subs = answer.json()["compositeResponse"]
    assert [s["httpStatusCode"] for s in subs] == [200, 200, 400]
    assert subs[1]["body"]["records"][0]["Score"] is not None


def test_composite_serves_only_what_salesforce_lets_it(shared_sim: OrgSimulator) -> None:
    six_queries = [get(f"q{n}", "query/?q=SELECT+Id+FROM+Organization") for n in range(6)]
    assert post(shared_sim, "composite", six_queries).status_code == 400
    subs = post(
        shared_sim,
        "composite",
        [get("limits", "limits"), get("tooling", "tooling/sobjects/SecurityHealthCheck/describe")],
    ).json()["compositeResponse"]
    assert [s["body"][0]["errorCode"] for s in subs] == ["INVALID_URL", "INVALID_URL"]
