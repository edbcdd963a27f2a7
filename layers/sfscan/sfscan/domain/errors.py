"""Domain errors. Each maps to one CLI exit code and one recorded scan error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class SfscanError(Exception):
    """Base class: the message is one sentence a person can act on, never a secret."""


class InputError(SfscanError):
    """Bad input or settings (exit 2): a file, a field or a flag the user must correct."""


class ScanIncompleteError(SfscanError):
    """The scan could not complete (exit 3): auth refused, API limit reached, org unreachable."""


def describe_validation_errors(source: str, errors: Iterable[Mapping[str, Any]]) -> str:
    """Turn pydantic's error list into lines like ``demo.json: sobjects.User.3.Id: Field required``.

    Values are not echoed back, so a secret typed into the wrong field never reaches a message.
    """
    lines = []
    for err in errors:
        loc = ".".join(str(part) for part in err.get("loc", ())) or "(top level)"
        lines.append(f"{source}: {loc}: {err.get('msg', 'invalid value')}")
    return "\n".join(lines)


class ScanTimeoutError(ScanIncompleteError):
    """The scan's overall time limit passed (exit 3, recorded as the org's scan error)."""
