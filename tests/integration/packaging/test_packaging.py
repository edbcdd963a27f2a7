"""What we ship: the sfscan wheel and the Lambda layer hold the product and none of its test tools.

The wheel is built from a copy of the sources and installed into a fresh venv with the package
index (what `pip install .` does for a user); the layer is assembled the way `sam build` does for
a `BuildMethod: python3.12` layer: its requirements.txt installed into a target directory, next to
the files of its ContentUri (layers/sfscan/).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from sfscan.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
LAYER_SOURCE = ROOT / "layers" / "sfscan"
DEMO_ORG = ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = ROOT / "orgsim" / "orgs" / "demo.settings.json"
# Import names (and distribution names) of what only tests, the demo and the gate use.
TEST_TOOLS = {
    "moto",
    "pytest",
    "_pytest",
    "xdist",
    "orgsim",
    "sfscan_harness",
    "cfnlint",
    "samtranslator",
    "mypy",
    "ruff",
    "lark",
}
HARNESS_MODULES = {"sfscan/pipeline/local.py", "sfscan/pipeline/demo.py"}


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def top_level_names(paths: list[str]) -> set[str]:
    """Import and distribution names at the top of a site-packages-like listing."""
    names = set()
    for path in paths:
        top = path.split("/", 1)[0].split("-", 1)[0].removesuffix(".py")
        names.add(top.lower().replace("-", "_"))
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sfscan wheel, built from a copy of the sources (the checkout is left untouched)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        LAYER_SOURCE / "sfscan",
        src / "layers" / "sfscan" / "sfscan",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    dist = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src, cwd=src)
    assert built.returncode == 0, built.stderr
    (path,) = dist.glob("sfscan-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv into which the wheel was pip-installed (dependencies from the index)."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home)  # no pip of its own: this interpreter's pip installs into it
    pip = (sys.executable, "-m", "pip", "--python", home / "bin" / "python")
    done = run(*pip, "install", "-q", "--no-compile", wheel, cwd=home)
    assert done.returncode == 0, done.stderr
    return home / "bin"


def test_the_wheel_ships_the_library_and_no_test_tool(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "sfscan/cli/main.py" in names and "sfscan/rules/registry.py" in names
    assert top_level_names(names) == {"sfscan"}  # no orgsim, no harness
    assert not HARNESS_MODULES & set(names)
    metadata = zipfile.ZipFile(wheel).read("sfscan-0.1.0.dist-info/METADATA").decode()
    runtime = [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra" not in line
    ]
    assert runtime and not any(tool in line for line in runtime for tool in TEST_TOOLS)
    assert "lark" not in metadata


def test_pip_install_into_an_empty_venv_gives_a_working_scan(
    installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["scan", "--snapshot", str(DEMO_ORG), "--settings", str(DEMO_SETTINGS)]
    expected_code = main([*args, "--format", "json"])  # the same scan in this checkout
    expected = json.loads(capsys.readouterr().out)

    scan = run(installed / "sfscan", *args, "--format", "json", cwd=tmp_path)

    assert scan.returncode == expected_code == 1, scan.stderr  # FAILED findings at HIGH or above
    assert json.loads(scan.stdout) == expected
    table = run(installed / "sfscan", *args, cwd=tmp_path)
    assert "SF-CA-01" in table.stdout and "FAILED" in table.stdout
    for tool in ("orgsim", "moto", "pytest", "sfscan_harness"):
        probe = run(installed / "python", "-c", f"import {tool}", cwd=tmp_path)
        assert probe.returncode != 0, f"{tool} is installed with sfscan"


def test_sfscan_demo_in_an_installed_sfscan_says_what_to_install(
    installed: Path, tmp_path: Path
) -> None:
    demo = run(installed / "sfscan", "demo", cwd=tmp_path)

    assert demo.returncode == 2
    assert "Traceback" not in demo.stderr and "ModuleNotFoundError" not in demo.stderr
    assert "make demo" in demo.stderr and "source checkout" in demo.stderr
    assert "sfscan_harness" in demo.stderr  # the module that is missing, by name


def test_the_lambda_layer_holds_no_test_tool(tmp_path: Path) -> None:
    layer = tmp_path / "python"  # sam build: <build dir>/SfscanLayer/python
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-compile",
        "--target",
        layer,
        "-r",
        LAYER_SOURCE / "requirements.txt",
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    shutil.copytree(
        LAYER_SOURCE, layer, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    listing = sorted(str(p.relative_to(layer)) for p in layer.rglob("*"))

    assert "sfscan/engine.py" in listing and "boto3/__init__.py" in listing
    assert "simple_salesforce/__init__.py" in listing
    assert not TEST_TOOLS & top_level_names(listing)
    assert not HARNESS_MODULES & set(listing)
    sources = [layer / p for p in listing if p.startswith("sfscan/") and p.endswith(".py")]
    imported = {name for source in sources for name in module_level_imports(source)}
    assert "boto3" in imported and not TEST_TOOLS & imported


def module_level_imports(source: Path) -> set[str]:
    """Top-level package names a module imports when it is loaded."""
    names = set()
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names
