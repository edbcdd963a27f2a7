"""``sfscan demo`` without the development tools says what to do instead of failing on an import."""

from __future__ import annotations

import sys

import pytest
from sfscan.cli.main import main


@pytest.mark.parametrize("missing", ["sfscan_harness", "sfscan_harness.demo"])
def test_demo_without_the_harness_says_to_use_make_demo(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # import of it now fails as if not installed

    code = main(["demo"])

    err = capsys.readouterr().err
    assert code == 2
    assert "no module named 'sfscan_harness" in err  # names what is missing
    assert "make demo" in err and "source checkout" in err
    assert "sfscan scan --snapshot" in err  # what an installed sfscan can do instead
