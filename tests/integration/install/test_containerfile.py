"""The Containerfile builds from files that exist and runs sfscan unprivileged.

Building the image needs a container engine (`.ci/container` does it where one runs); this test
catches the drift a build would hit first: a COPY of a path that moved, a context that leaves out
what the build needs.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CONTAINERFILE = (REPO / "Containerfile").read_text(encoding="utf-8")
IGNORE = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()


def copied_from_context() -> list[str]:
    sources = []
    for line in CONTAINERFILE.splitlines():
        match = re.match(r"COPY (?!--from)(.+) \S+$", line.strip())
        if match:
            sources.extend(match.group(1).split())
    return sources


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    sources = copied_from_context()
    assert sources
    allowed = {line[1:] for line in IGNORE if line.startswith("!")}
    for source in sources:
        assert (REPO / source).exists(), source
        assert source in allowed, f"{source} is excluded by .dockerignore"


def test_the_image_runs_sfscan_as_an_unprivileged_user_with_the_reports_extra() -> None:
    assert re.search(r'^ENTRYPOINT \["sfscan"\]$', CONTAINERFILE, re.M)
    user = re.findall(r"^USER (\S+)$", CONTAINERFILE, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "[reports]" in CONTAINERFILE


def test_the_wheel_build_needs_only_what_the_context_holds() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    readme = re.search(r'^readme = "([^"]+)"', pyproject, re.M)
    assert readme and readme.group(1) in copied_from_context()
    where = re.search(r"^where = \[([^\]]*)\]", pyproject, re.M)
    assert where
    for folder in re.findall(r'"([^"]+)"', where.group(1)):
        assert folder == "." or any(s.startswith(folder) for s in copied_from_context()), folder
