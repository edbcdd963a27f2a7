"""SF-ORG-01: Login IP Ranges enforced on every request."""

import pytest
from sfscan.domain.findings import Severity, Status

from tests.builders import ORG_ID, ORG_NAME, make_security_settings, make_snapshot, run_rule


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (True, Status.PASSED),
        ("true", Status.PASSED),
        (False, Status.FAILED),
        (None, Status.NOT_AVAILABLE),
    ],
)
def test_enforce_ip_ranges_every_request(value, status):
    settings = make_security_settings(value) if value is not None else make_security_settings()
    result = run_rule("SF-ORG-01", make_snapshot(metadata={"SecuritySettings": [settings]}))
    finding = result.findings[0]
    assert (finding.resource_id, finding.resource_name, finding.resource_type) == (
        ORG_ID,
        ORG_NAME,
        "Org",
    )
    assert (finding.status, finding.severity) == (status, Severity.MEDIUM)


def test_security_settings_item_unreadable_is_not_available():
    snapshot = make_snapshot(
        metadata={"SecuritySettings": []},
        unavailable={"metadata:SecuritySettings:Security": "INSUFFICIENT_ACCESS"},
    )
    finding = run_rule("SF-ORG-01", snapshot).findings[0]
    assert finding.status is Status.NOT_AVAILABLE
    assert "INSUFFICIENT_ACCESS" in finding.detail


def test_security_settings_not_collected_is_not_available():
    result = run_rule("SF-ORG-01", make_snapshot(omit=["metadata:SecuritySettings"]))
    assert [f.status for f in result.findings] == [Status.NOT_AVAILABLE]
