"""Settings an attacker or a hurried editor writes: patterns that would hang a backtracking
regex engine, patterns RE2 cannot run, suppression expiry dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sfscan.domain.errors import InputError
from sfscan.domain.settings import parse_settings


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as info:
        parse_settings(data, "org.json")
    return str(info.value)


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    # A backtracking engine tries ~2^200 ways to split the a's before giving up on the "!":
    # this test could not finish with Python's re. RE2 answers at once.
    s = parse_settings({"integration_users": {"username_patterns": ["(a+)+$"]}})
    assert not s.integration_users.matches_pattern("a" * 200 + "!")
    assert s.integration_users.matches_pattern("a" * 200)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(int)-\1", "invalid escape sequence"),
        (r"int(?=-api)", "invalid perl operator"),
        (r"(?<!x)int", "invalid perl operator"),
        (r"(", "missing )"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_naming_the_field(pattern: str, reason: str) -> None:
    message = refused({"integration_users": {"username_patterns": ["^ok", pattern]}})
    assert "org.json: integration_users.username_patterns" in message
    assert "item 1" in message and reason in message
    assert "linear time" in message and "lookarounds" in message


@pytest.mark.parametrize(
    ("expires", "active_before", "expired_at"),
    [
        (
            "2027-03-31",
            datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2027, 4, 1, 0, 0, tzinfo=UTC),
        ),
        (
            "2027-03-31T17:00:00+02:00",
            datetime(2027, 3, 31, 14, 59, tzinfo=UTC),
            datetime(2027, 3, 31, 15, 0, tzinfo=UTC),
        ),
        (
            "2027-03-31T15:00:00Z",
            datetime(2027, 3, 31, 14, 59, tzinfo=UTC),
            datetime(2027, 3, 31, 15, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_suppression_expires_at_the_end_of_its_day_in_utc(
    expires: str, active_before: datetime, expired_at: datetime
) -> None:
    s = parse_settings(
        {
            "suppressions": [
                {"rule_id": "SF-CA-01", "resource_id": "App", "reason": "r", "expires": expires}
            ]
        }
    )
    assert s.active_suppression("SF-CA-01", "App", active_before) is not None
    assert s.active_suppression("SF-CA-01", "App", expired_at) is None


@pytest.mark.parametrize(
    ("expires", "hint"),
    [
        ("2027-03-31T17:00:00", "has no time zone"),
        ("31/03/2027", "is not a date (2027-03-31) or a date-time with a zone"),
        ("2027-02-30", "is not a calendar date"),
        ("next year", "is not a date"),
        (1806105600, "must be a date (2027-03-31) or a date-time with a zone"),
        (True, "must be a date"),
    ],
)
def test_an_expiry_that_is_not_a_date_or_zoned_date_time_is_refused(
    expires: Any, hint: str
) -> None:
    message = refused(
        {
            "suppressions": [
                {"rule_id": "SF-CA-01", "resource_id": "App", "reason": "r", "expires": expires}
            ]
        }
    )
    assert "org.json: suppressions.0.expires" in message
    assert hint in message


def test_a_date_expiry_round_trips_through_json() -> None:
    data = {
        "suppressions": [
            {"rule_id": "SF-CA-01", "resource_id": "App", "reason": "r", "expires": "2027-03-31"}
        ]
    }
    once = parse_settings(data)
    again = parse_settings(once.to_json_dict())
    assert again.suppressions[0].expires == once.suppressions[0].expires
