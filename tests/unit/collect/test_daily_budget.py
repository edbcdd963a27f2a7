"""The daily API budget costs no call: it comes from the Sforce-Limit-Info header of the answers
the readiness check already received; only an org that sends no such header is asked /limits."""

from __future__ import annotations

from typing import Any

from sfscan.collect import readiness


class Client:
    def __init__(self, usage: tuple[int, int] | None) -> None:
        self.usage = usage
        self.limits_calls = 0

    def daily_api(self) -> tuple[int, int] | None:
        return self.usage

    def limits(self) -> dict[str, Any]:
        self.limits_calls += 1
        return {"DailyApiRequests": {"Max": 5000, "Remaining": 4321}}


def test_the_header_gives_the_budget_without_a_call() -> None:
    client = Client((120, 15000))
    problems: list[str] = []
    assert readiness._daily_api(client, problems) == {"max": 15000, "remaining": 14880}  # type: ignore[arg-type]
    assert client.limits_calls == 0 and problems == []


def test_without_the_header_limits_is_asked() -> None:
    client = Client(None)
    assert readiness._daily_api(client, []) == {"max": 5000, "remaining": 4321}  # type: ignore[arg-type]
    assert client.limits_calls == 1
