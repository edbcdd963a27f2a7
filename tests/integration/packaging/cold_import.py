"""Cold imports of the Lambda handlers from a built tree, the way Lambda runs them.

Lambda unzips a function into /var/task and each layer into /opt, both read-only, with the file
times the zip entries carry (`sam deploy` zips every entry dated 1980-01-01), and imports the
handler with /var/task then /opt/python first on sys.path. A probe reproduces that on a tree laid
out like `.aws-sam/build/` (<Name>Function/app.py, SfscanLayer/python/...): a fresh interpreter
that never writes bytecode (`-B`, as on a read-only file system) imports one module and reports
every file under the tree that Python had to compile from source because no valid .pyc was there
(importlib calls `SourceLoader.source_to_code` only then).

Also a measurement (not a test; its figures are in docs/deploy.md):

    .venv/bin/python -m tests.integration.packaging.cold_import BUILD_DIR [--runs N]

times the cold import of each handler and of `import boto3` from BUILD_DIR (CPU and wall time,
minimum over N fresh interpreters), after dating every source 1980-01-01 as the Lambda zip does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.imports import ENV as LAMBDA_ENV  # the functions' environment, tracing on

ROOT = Path(__file__).resolve().parents[3]
RUNTIME_MINOR = "3.12"  # the template's Runtime (test_bytecode.py checks the Makefile agrees)
ZIP_EPOCH = 315532800  # 1980-01-01 00:00:00 UTC: the date of every entry in SAM's zips
FUNCTIONS = {"dispatch": "DispatchFunction", "scan": "ScanFunction", "publish": "PublishFunction"}
LAYER = Path("SfscanLayer") / "python"
_PROBE = """
import importlib._bootstrap_external as external, json, sys, time
compiled = []
to_code = external.SourceLoader.source_to_code
def record(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return to_code(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = record
sys.path[:0] = {paths!r}
wall, cpu = time.perf_counter(), time.process_time()
import {module}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
print(json.dumps({{"cpu": cpu, "wall": wall, "compiled": compiled,
    "loaded": sum(f.startswith({tree!r}) for f in files)}}))
"""


@dataclass(frozen=True)
class ColdImport:
    cpu: float  # seconds of CPU the import took
    wall: float
    loaded: int  # modules loaded from the built tree
    compiled: list[str]  # files under the tree compiled from source (no valid .pyc)


def lambda_python() -> str:
    """The runtime's Python when this machine has it (pyenv), else the one running us."""
    names = [f"python{RUNTIME_MINOR}"]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    names += sorted(str(p) for p in pyenv_root.glob(f"versions/{RUNTIME_MINOR}.*/bin/python3"))
    for name in names:
        path = shutil.which(name)
        if path and subprocess.run([path, "-c", ""], capture_output=True).returncode == 0:
            return path
    return sys.executable


def date_sources_like_the_zip(tree: Path) -> None:
    """Give every source the time Lambda's extraction of a SAM zip gives it."""
    for source in tree.rglob("*.py"):
        os.utime(source, (ZIP_EPOCH, ZIP_EPOCH))


def cold_import(python: str, build: Path, function: str, module: str = "app") -> ColdImport:
    """Import `module` in a fresh interpreter with the function's and the layer's paths."""
    tree = str(build.resolve())
    paths = [str(build.resolve() / FUNCTIONS[function]), str(build.resolve() / LAYER)]
    code = _PROBE.format(paths=paths, module=module, tree=tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "POWERTOOLS_"))}
    # -E: no PYTHON* setting of the caller; -S: nothing from the interpreter's site-packages;
    # -B: no bytecode written, as on Lambda's read-only /var/task and /opt.
    out = subprocess.run(
        [python, "-E", "-S", "-B", "-c", code],
        env={**env, **LAMBDA_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"cold import of {function}'s {module} failed:\n{out.stderr}")
    return ColdImport(**json.loads(out.stdout))


def _minimum(python: str, build: Path, function: str, module: str, runs: int) -> ColdImport:
    results = [cold_import(python, build, function, module) for _ in range(runs)]
    fastest = min(results, key=lambda r: r.cpu)
    return ColdImport(fastest.cpu, min(r.wall for r in results), fastest.loaded, fastest.compiled)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="a built tree like .aws-sam/build")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    python = lambda_python()
    date_sources_like_the_zip(args.build)
    imports = [(name, "app") for name in FUNCTIONS] + [("dispatch", "boto3")]
    for function, module in imports:
        r = _minimum(python, args.build, function, module, args.runs)
        label = f"{function} handler" if module == "app" else f"import {module}"
        print(
            f"{label:<17} CPU {r.cpu * 1000:6.0f} ms  wall {r.wall * 1000:6.0f} ms"
            f"  modules from the tree {r.loaded:4}  compiled from source {len(r.compiled):4}",
            flush=True,
        )


if __name__ == "__main__":
    main()
