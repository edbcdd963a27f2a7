"""A connected app keeps its resource id whichever source could be read, and one app gives one
finding per rule."""

import pytest
from sfscan.domain.findings import Status

from tests.builders import (
    make_connected_app,
    make_connected_application,
    make_snapshot,
    run_rule,
)

APP = make_connected_app("Legacy_ETL", "Legacy ETL", admin_approved=False)
ROW = make_connected_application("Legacy ETL", admin_approved_only=False)


def ids(rule_id: str, **kwargs) -> list[tuple[str, Status]]:
    result = run_rule(rule_id, make_snapshot(**kwargs))
    return [(f.resource_id, f.status) for f in result.findings]


@pytest.mark.parametrize(
    "unreadable",
    [
        {"metadata:ConnectedApp": "INVALID_TYPE: no metadata access"},
        {"metadata:ConnectedApp:Legacy_ETL": "INSUFFICIENT_ACCESS"},
    ],
)
def test_sf_ca_03_names_the_app_by_its_full_name_when_metadata_is_unreadable(unreadable):
    readable = ids(
        "SF-CA-03", metadata={"ConnectedApp": [APP]}, sobjects={"ConnectedApplication": [ROW]}
    )
    without = ids(
        "SF-CA-03",
        metadata={"ConnectedApp": []},
        sobjects={"ConnectedApplication": [ROW]},
        unavailable=unreadable,
    )
    assert readable == without == [("Legacy_ETL", Status.FAILED)]


def test_a_managed_app_with_unreadable_metadata_gives_one_finding_per_rule():
    kwargs = {
        "metadata": {"ConnectedApp": []},
        "sobjects": {"ConnectedApplication": [make_connected_application("DocuSign eSignature")]},
        "unavailable": {"metadata:ConnectedApp:dsfs__DocuSign_eSignature": "INSUFFICIENT_ACCESS"},
    }
    assert ids("SF-CA-01", **kwargs) == [("dsfs__DocuSign_eSignature", Status.NOT_AVAILABLE)]
    assert ids("SF-CA-03", **kwargs) == [("dsfs__DocuSign_eSignature", Status.PASSED)]
