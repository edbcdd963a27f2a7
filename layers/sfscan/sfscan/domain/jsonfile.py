"""Reading a JSON input file (snapshot, settings, secret) so that every way it can be wrong is
an InputError naming the file (exit 2), never a traceback or a silent default.

- bytes that are not UTF-8 (Latin-1, UTF-16/32 with or without a byte order mark) are refused
  with what to do; a UTF-8 byte order mark (Windows editors write one) is accepted;
- JSON syntax errors give the line and column;
- duplicate keys in one object are refused (the last one would silently win, e.g. a second
  ``suppressions`` list);
- ``NaN`` / ``Infinity`` are refused (not JSON);
- nesting deeper than ``MAX_DEPTH`` levels is refused (no input the rules read is nested that
  deep, and Python's parser would otherwise crash with RecursionError).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

from sfscan.domain.errors import InputError

MAX_DEPTH = 64
_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


class _JsonShapeError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _JsonShapeError(f"{name} is not a JSON value")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JsonShapeError(f"key {key!r} appears twice in one object")
            seen.add(key)
    return data


def _decode(raw: bytes, where: str) -> str:
    if raw.startswith(_UTF16_32_BOMS) or (len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0)):
        raise InputError(f"{where}: the file is UTF-16 or UTF-32 encoded; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the "
            "file as UTF-8"
        ) from None


def _deepest(data: Any) -> tuple[int, str]:
    """(depth, JSON path of the deepest point), iteratively: no recursion on hostile input."""
    deepest, where = 0, "(top level)"
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            children = [(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()]
        elif isinstance(node, list):
            children = [(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node)]
        else:
            continue
        if depth > deepest:
            deepest, where = depth, path or "(top level)"
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1, child_path) for child, child_path in children)
    return deepest, where


def parse_json_text(text: str, where: str) -> Any:
    """JSON text -> data, with the refusals above; ``where`` names the file in messages."""
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except _JsonShapeError as exc:
        raise InputError(f"{where}: {exc}") from None
    except RecursionError:
        raise InputError(
            f"{where}: JSON nested too deeply (more than {MAX_DEPTH} levels)"
        ) from None
    depth, path = _deepest(data)
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: {path}: JSON nested more than {MAX_DEPTH} levels deep")
    return data


def load_json_file(path: str | Path, what: str) -> Any:
    """Read and parse a JSON file; ``what`` ("settings", "snapshot") names it in messages."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {p}: {exc.strerror}") from None
    if not raw.strip():
        raise InputError(f"{p}: the {what} file is empty; it must hold a JSON object")
    return parse_json_text(_decode(raw, str(p)), str(p))


def require_object(data: Any, where: str, what: str) -> dict[str, Any]:
    """Refuse a top level that is not a JSON object (``null``, a list, a number)."""
    if not isinstance(data, dict):
        shown = "null" if data is None else type(data).__name__.replace("dict", "object")
        raise InputError(
            f"{where}: the {what} must be a JSON object, not {shown}"
            + (" (use {} for the defaults)" if what == "settings" else "")
        )
    return data
