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
