"""A built wheel installed into a fresh virtualenv is a working `sfscan` with runtime deps only.

This is what `pipx install <wheel or path>` does: a private venv, the package and its
[project].dependencies, nothing from the development extras.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = REPO / "orgsim" / "orgs" / "demo.settings.json"
pytestmark = pytest.mark.e2e


def run(*cmd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=check, env=env, cwd="/"
    )


def _sources(dest: Path) -> Path:
    """A copy of what the wheel is built from, so the build never writes into the checkout."""
    src = dest / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    package = "layers/sfscan/sfscan"
    shutil.copytree(REPO / package, src / package, ignore=ignore)
    return src


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = _sources(work)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", src)
    (wheel,) = (work / "dist").glob("sfscan-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(clear=True).create(env_dir)  # no pip of its own: ours installs into it
    run(*pip_into(env_dir), wheel)
    (env_dir / "wheel-path").write_text(str(wheel))
    return env_dir


def pip_into(env: Path) -> tuple[str | Path, ...]:
    """``pip install`` into the venv at ``env`` (modules compile when first imported)."""
    python = env / "bin" / "python"
    return (sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile")


def sfscan(env: Path, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(env / "bin" / "sfscan", *args, check=check)


def test_only_runtime_dependencies_are_installed(installed: Path) -> None:
    probe = "import importlib.util as u; print([m for m in {mods} if u.find_spec(m)])"
    dev = ["pytest", "moto", "playwright", "jinja2", "py_ocsf_models", "lark", "cfn_lint"]
    out = run(installed / "bin" / "python", "-c", probe.format(mods=dev)).stdout
    assert out.strip() == "[]"


def test_rules_and_version_work(installed: Path) -> None:
    rules = json.loads(sfscan(installed, "rules", "--format", "json").stdout)
    assert rules["rules"] and all(r["compliance"]["nist_800_53"] for r in rules["rules"])
    assert sfscan(installed, "--version").stdout.startswith("sfscan ")


def test_an_offline_scan_gives_the_same_findings_as_the_checkout(installed: Path) -> None:
    args = (
        "--snapshot",
        DEMO,
        "--settings",
        DEMO_SETTINGS,
        "--format",
        "json",
        "--fail-on",
        "none",
    )
    got = json.loads(sfscan(installed, "scan", *args).stdout)
    here = run(sys.executable, "-m", "sfscan.cli.main", "scan", *args)
    assert got["summary"] == json.loads(here.stdout)["summary"]
    for command in ("collect", "scan", "org", "doctor", "rules"):
        assert sfscan(installed, command, "--help").returncode == 0


def test_html_without_the_reports_extra_says_how_to_get_it(installed: Path) -> None:
    done = sfscan(installed, "scan", "--snapshot", DEMO, "--format", "html", check=False)
    assert done.returncode == 2
    assert "sfscan[reports]" in done.stderr and "Traceback" not in done.stderr


def test_the_reports_extra_makes_html_and_ocsf_work(installed: Path, tmp_path: Path) -> None:
    wheel = (installed / "wheel-path").read_text()
    run(*pip_into(installed), f"sfscan[reports] @ file://{wheel}")
    report = tmp_path / "report.html"
    sfscan(installed, "scan", "--snapshot", DEMO, "--format", "html", "--output", report,
           "--fail-on", "none")  # fmt: skip
    assert "<!DOCTYPE html>" in report.read_text()
    ocsf = sfscan(installed, "scan", "--snapshot", DEMO, "--format", "ocsf", "--fail-on", "none")
    assert json.loads(ocsf.stdout)[0]["class_uid"] == 2003
