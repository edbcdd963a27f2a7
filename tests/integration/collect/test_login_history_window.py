"""The snapshot says which LoginHistory window was read, so a longer judgement window
cannot pass on logins that were never collected."""

from __future__ import annotations

from datetime import timedelta

from collect_kit import Collect, jwt_credentials
from sfscan.domain.findings import Status
from sfscan.domain.settings import Settings
from sfscan.domain.snapshot import Snapshot
from sfscan.engine import evaluate

from orgsim import OrgSimulator


def test_the_collected_login_history_window_is_recorded(
    sim: OrgSimulator, collect: Collect, demo: Snapshot
) -> None:
    got = collect(sim, jwt_credentials(sim, {"lookback_days": 7}))
    window = got.collection["login_history_window"]
    start = demo.captured_at - timedelta(days=7)
    assert window == {
        "from": start.isoformat().replace("+00:00", "Z"),
        "to": demo.captured_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_snapshot_collected_for_7_days_is_not_passed_for_30(
    sim: OrgSimulator, collect: Collect, demo_settings: Settings
) -> None:
    got = collect(sim, jwt_credentials(sim, {"lookback_days": 7}))
    settings = demo_settings.model_copy(update={"lookback_days": 30})
    result = evaluate(got, settings)
    iu04 = [f for f in result.findings if f.rule_id == "SF-IU-04"]
    assert iu04 and Status.PASSED not in {f.status for f in iu04}
    assert "SF-IU-04" in result.incomplete_rules
    # Judged with the window it was collected for, the same snapshot is judged normally.
    same = evaluate(got, demo_settings.model_copy(update={"lookback_days": 7}))
    assert (
        "SF-IU-04" not in same.incomplete_rules
        or "collected only" not in (same.incomplete_rules["SF-IU-04"])
    )
