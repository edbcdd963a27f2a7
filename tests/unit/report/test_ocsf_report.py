"""`--format ocsf`: every finding of the demo org is a valid OCSF Compliance Finding (2003)."""

from __future__ import annotations

import json
import sys

import pytest
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from sfscan.cli.main import main

from tests.unit.report.html_fixtures import DEMO, DEMO_SETTINGS

STATUS_ID = {"PASSED": 1, "NOT_AVAILABLE": 2, "FAILED": 3, "WARNING": 99}


def run_json(capsys: pytest.CaptureFixture[str], fmt: str, *extra: str) -> object:
    code = main(["scan", "--snapshot", str(DEMO), "--format", fmt, "--fail-on", "none", *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("with_settings", [True, False], ids=["settings", "defaults"])
def test_every_demo_finding_validates_as_an_ocsf_compliance_finding(
    capsys: pytest.CaptureFixture[str], with_settings: bool
) -> None:
    extra = ("--settings", str(DEMO_SETTINGS)) if with_settings else ()
    findings = run_json(capsys, "json", *extra)["findings"]  # type: ignore[index]
    records = run_json(capsys, "ocsf", *extra)
    assert isinstance(records, list) and len(records) == len(findings)
    for record in records:
        model = ComplianceFinding.model_validate(record)  # raises on any schema mismatch
        assert model.class_uid == 2003 and model.type_uid == 200301
        assert model.compliance.status_id == STATUS_ID[record["status_code"]]
        assert model.compliance.requirements and model.compliance.control
        assert model.metadata.tenant_uid == findings[0]["org_id"]
    statuses = sorted(r["status_code"] for r in records)
    assert statuses == sorted(f["status"] for f in findings)
    uids = {r["finding_info"]["uid"] for r in records}
    assert len(uids) == len(records)  # one stable uid per (org, rule, resource)


def test_suppressed_findings_are_marked_suppressed(capsys: pytest.CaptureFixture[str]) -> None:
    records = run_json(capsys, "ocsf", "--settings", str(DEMO_SETTINGS))
    suppressed = [r for r in records if r["unmapped"]["suppressed"]]  # type: ignore[union-attr,index]
    assert suppressed and all(r["status"] == "Suppressed" for r in suppressed)


def test_missing_reports_extra_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m.startswith(("py_ocsf_models", "sfscan.report.ocsf"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "py_ocsf_models", None)  # as if not installed
    code = main(["scan", "--snapshot", str(DEMO), "--format", "ocsf", "--fail-on", "none"])
    assert code == 2
    err = capsys.readouterr().err
    assert "py-ocsf-models" in err and "sfscan[reports]" in err
