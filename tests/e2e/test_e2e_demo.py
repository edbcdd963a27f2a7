"""``sfscan demo`` tells the whole story with nothing configured."""

from __future__ import annotations

import os

import pytest
from sfscan.cli.main import main

pytestmark = pytest.mark.e2e


def test_demo_runs_the_pipeline_and_shows_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    env_before = dict(os.environ)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if line[:2] in {f"{i}." for i in range(1, 8)}]
    assert len(steps) == 7
    assert "queued 2 orgs: acme, legacy-sandbox" in out
    assert "legacy-sandbox   ERROR" in out and "not valid JSON" in out
    assert "SF-CA-01" in out and "Findings per rule" in out
    assert "Subject: sfscan: Acme Corporation - " in out and "new violations" in out
    assert "Security Hub: " in out and "ACTIVE for example" in out
    assert "Legacy ETL: IP Relaxation -> 'Enforce IP restrictions'" in out
    assert "Subject: sfscan: Acme Corporation - 2 resolved" in out
    assert "ARCHIVED for example" in out and "INFORMATIONAL PASSED  SF-CA-01" in out
    assert "0 new messages" in out
    assert '"_aws"' not in out  # metrics and JSON logs stay out of the story
    assert dict(os.environ) == env_before  # the demo's AWS settings do not leak
