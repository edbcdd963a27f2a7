"""Writing the command's output files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sfscan.domain.errors import InputError


def write_atomically(path: Path, text: str, *, flag: str) -> None:
    """Write via a temporary file in the same directory and rename, so readers never see half a
    file and a failed write leaves any earlier one in place. ``flag`` names the option in errors.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror}") from None
