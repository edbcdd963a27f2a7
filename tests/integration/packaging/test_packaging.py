"""What we ship: the sfscan wheel and the Lambda layer hold the product and none of its test tools.

The wheel is built from a copy of the sources and its file list read; the layer is assembled the
way `sam build` does for a `BuildMethod: python3.12` layer: its requirements.txt installed into a
target directory, next to the files of its ContentUri (layers/sfscan/). That the wheel installed
into an empty venv scans a snapshot is tests/integration/install/test_wheel_install.py; that an
installed sfscan without the harness explains `sfscan demo` is tests/unit/cli/test_demo_cli.py.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LAYER_SOURCE = ROOT / "layers" / "sfscan"
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
