"""The bytecode `make build` adds to the SAM build is used by every cold start on Lambda.

`sam build` ships sources only, and `sam deploy` zips them dated 1980-01-01; Lambda's /var/task
and /opt are read-only, so without bytecode that validates whatever the file times are, every
cold start compiles every module of the layer (boto3, botocore, pydantic, Powertools ...) and
throws the result away. The tree here is laid out as `sam build` lays out `.aws-sam/build/` (the
layer's requirements installed without compiling, next to layers/sfscan/; each function's app.py),
its sources dated as the zip dates them, and each handler imported in a fresh interpreter of the
runtime's Python version (cold_import.py) that writes no bytecode, like a read-only file system.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.packaging.cold_import import (
    FUNCTIONS,
    LAYER,
    ROOT,
    RUNTIME_MINOR,
    cold_import,
    date_sources_like_the_zip,
    lambda_python,
)

CHECKED_HASH = 3  # the flags word of a PEP 552 .pyc: 0 timestamp, 1 unchecked hash, 3 checked hash


def clean_env() -> dict[str, str]:
    """Our environment without what would change pip, Python or make underneath a test."""
    dropped = ("PYTHON", "VIRTUAL_ENV", "MAKE", "MFLAGS", "LAMBDA_PYTHON", "SAM_BUILD_DIR")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def run(*args: str | Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], env=clean_env(), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def make_bytecode(build: Path, python: str) -> None:
    """The step `make build` runs after `sam build`, on `build` instead of .aws-sam/build."""
    make = ("make", "-C", ROOT, "--no-print-directory", "bytecode")
    run(*make, f"SAM_BUILD_DIR={build}", f"LAMBDA_PYTHON={python}")


@pytest.fixture(scope="module")
def python() -> str:
    return lambda_python()


@pytest.fixture(scope="module")
def sources_only(tmp_path_factory: pytest.TempPathFactory, python: str) -> Path:
    """What `sam build` leaves in .aws-sam/build: sources, no bytecode."""
    build = tmp_path_factory.mktemp("sam-build")
    layer = build / LAYER
    requirements = ROOT / "layers" / "sfscan" / "requirements.txt"
    run(python, "-m", "pip", "install", "-q", "--no-compile", "--target", layer, "-r", requirements)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "layers" / "sfscan", layer, dirs_exist_ok=True, ignore=ignore)
    for name, built in FUNCTIONS.items():
        shutil.copytree(ROOT / "functions" / name, build / built, ignore=ignore)
    return build  # the sources keep the times of the build, as in .aws-sam/build


@pytest.fixture(scope="module")
def with_bytecode(
    tmp_path_factory: pytest.TempPathFactory, sources_only: Path, python: str
) -> Path:
    build = tmp_path_factory.mktemp("make-build") / "build"
    shutil.copytree(sources_only, build, symlinks=True)
    make_bytecode(build, python)
    date_sources_like_the_zip(build)  # then deployed: the zip's times are not the build's
    return build


def test_sam_builds_output_alone_compiles_the_layer_at_every_cold_start(
    sources_only: Path, python: str
) -> None:
    scan = cold_import(python, sources_only, "scan")

    assert scan.loaded > 300  # boto3, botocore, pydantic, Powertools, sfscan ...
    assert str((sources_only / "ScanFunction" / "app.py").resolve()) in scan.compiled
    assert any("/botocore/" in path for path in scan.compiled)
    assert len(scan.compiled) > 300


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_after_make_builds_bytecode_step_a_cold_start_compiles_nothing(
    with_bytecode: Path, python: str, function: str
) -> None:
    handler = cold_import(python, with_bytecode, function)

    assert handler.loaded > 200
    assert handler.compiled == []


def test_every_shipped_source_has_checked_hash_bytecode_of_the_runtimes_version(
    with_bytecode: Path, python: str
) -> None:
    version = (
        "import importlib.util as u, sys; print(sys.implementation.cache_tag, u.MAGIC_NUMBER.hex())"
    )
    tag, magic = run(python, "-c", version).split()  # cpython-312: bytecode is per minor version
    sources = sorted(with_bytecode.rglob("*.py"))
    headers = {}
    for source in sources:
        cached = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        headers[str(source)] = cached.read_bytes()[:8] if cached.exists() else b""

    assert len(sources) > 1000
    missing = [source for source, header in headers.items() if not header]
    assert missing == []
    assert {header[:4].hex() for header in headers.values()} == {magic}
    assert {int.from_bytes(header[4:8], "little") for header in headers.values()} == {CHECKED_HASH}


def test_an_unchanged_rebuild_writes_the_same_bytecode_so_deploy_has_nothing_to_upload(
    tmp_path: Path, sources_only: Path, python: str
) -> None:
    # sam deploy names each upload by a checksum of the built directory's files: bytecode that
    # changed on every build (a timestamp .pyc records the source's time) would publish a new
    # layer version, and update every function, on each deploy of unchanged code.
    build = tmp_path / "build"
    builds = []
    for _ in range(2):
        shutil.rmtree(build, ignore_errors=True)
        shutil.copytree(sources_only, build, symlinks=True)
        os.utime(build / "ScanFunction" / "app.py")  # a new checkout or copy: new file times
        make_bytecode(build, python)
        builds.append({p.relative_to(build): p.read_bytes() for p in build.rglob("*.pyc")})

    assert len(builds[0]) > 1000
    assert builds[0] == builds[1]


def test_an_edited_source_runs_its_new_code_not_the_old_bytecode(
    tmp_path: Path, python: str
) -> None:
    function = tmp_path / "build" / "ScanFunction"
    function.mkdir(parents=True)
    source = function / "app.py"
    source.write_text("VALUE = 'old'\n")
    make_bytecode(tmp_path / "build", python)
    before = source.stat()
    source.write_text("VALUE = 'new'\n")  # same size, and the same time below: worst case
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))

    code = f"import sys; sys.path.insert(0, {str(function)!r}); import app; print(app.VALUE)"
    assert run(python, "-B", "-c", code).strip() == "new"


def test_make_bytecode_refuses_a_python_of_another_version_and_says_what_to_set(
    tmp_path: Path, python: str
) -> None:
    function = tmp_path / "build" / "ScanFunction"
    function.mkdir(parents=True)
    (function / "app.py").write_text("VALUE = 1\n")
    make = ("make", "-C", ROOT, "--no-print-directory", "bytecode")
    # The interpreter is the same, the runtime it is checked against another version.
    args = (f"SAM_BUILD_DIR={tmp_path / 'build'}", f"LAMBDA_PYTHON={python}", "RUNTIME_VERSION=3.0")

    done = subprocess.run([*map(str, make), *args], env=clean_env(), capture_output=True, text=True)

    assert done.returncode != 0
    assert "the functions run 3.0: set LAMBDA_PYTHON to a Python 3.0 interpreter" in done.stderr
    assert not (function / "__pycache__").exists()


def test_make_build_compiles_with_the_python_of_the_templates_runtime() -> None:
    runtime = re.search(r"^\s+Runtime: python(3\.\d+)$", (ROOT / "template.yaml").read_text(), re.M)
    assert runtime and runtime.group(1) == RUNTIME_MINOR

    commands = run("make", "-C", ROOT, "--no-print-directory", "-n", "build").splitlines()

    sam = next(i for i, line in enumerate(commands) if line.endswith("/sam build"))
    compile_step = commands[sam + 1 :]
    assert any(
        line.startswith(f"python{RUNTIME_MINOR} -m compileall")
        and "--invalidation-mode checked-hash" in line
        and line.endswith(" .aws-sam/build")
        for line in compile_step
    ), commands
