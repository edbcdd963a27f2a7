"""``POST /composite`` and ``POST /tooling/composite``: several GETs answered as one API call.

As Salesforce documents it: up to 25 subrequests, at most 5 of them queries; each subrequest
runs as its own request would, in order, without a call number of its own; a later subrequest's
URL may hold ``@{ref.records[0].Field}``, replaced by that value of an earlier answer (a value
that is not there halts the subrequest). Only sObject resources and queries are served (not
``/limits``), and a Tooling composite serves only Tooling URLs, a REST one only REST URLs.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from sfscan.collect import facts

Answer = tuple[int, Any]  # HTTP status, JSON body
Run = Callable[[str, dict[str, str]], Answer]  # (resource after the version, params) -> answer

_URL = re.compile(r"^/services/data/v(\d+\.\d)/(.*)$")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")


class CompositeError(ValueError):
    """The request as a whole is refused (400)."""


def _error(status: int, code: str, message: str) -> Answer:
    return status, [{"errorCode": code, "message": message}]


def subrequests(body: bytes) -> list[dict[str, Any]]:
    try:
        subs = json.loads(body or b"{}")["compositeRequest"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CompositeError(f"compositeRequest is missing or not JSON: {exc}") from None
    most = facts.COMPOSITE_MAX_SUBREQUESTS
    if not isinstance(subs, list) or not 0 < len(subs) <= most:
        raise CompositeError(f"compositeRequest must hold 1 to {most} subrequests")
    if not all(isinstance(s, dict) for s in subs):
        raise CompositeError("each subrequest must be a JSON object")
    queries = sum("/query" in str(s.get("url", "")) for s in subs)
    if queries > facts.COMPOSITE_MAX_QUERIES:
        raise CompositeError(
            f"a composite request may hold at most {facts.COMPOSITE_MAX_QUERIES} query "
            f"subrequests, not {queries}"
        )
    return subs


def _value(answers: dict[str, Answer], ref: str, steps: str) -> Any:
    status, value = answers[ref]
    if status >= 300:
        raise LookupError(ref)
    for name, index in _STEP.findall(steps):
        value = value[int(index)] if index else value[name]
    if isinstance(value, (dict, list)) or value is None:
        raise LookupError(ref)
    return value


def _resolve(url: str, answers: dict[str, Answer]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = _value(answers, match.group(1), match.group(2))
        return urllib.parse.quote_plus(str(value))

    try:
        return _REFERENCE.sub(replace, url)
    except (LookupError, IndexError, TypeError) as exc:
        raise LookupError(str(exc)) from None


def _one(
    sub: dict[str, Any], version: str, tooling: bool, run: Run, done: dict[str, Answer]
) -> Answer:
    url = str(sub.get("url", ""))
    try:
        url = _resolve(url, done)
    except LookupError:
        return _error(400, "PROCESSING_HALTED", f"Invalid reference specified in {url}")
    path, _, query = url.partition("?")
    match = _URL.match(path)
    resource = match.group(2).strip("/") if match else ""
    in_api = resource.startswith("tooling/") == tooling
    kind = resource.removeprefix("tooling/").partition("/")[0]
    if not match or match.group(1) != version or not in_api or kind not in ("sobjects", "query"):
        return _error(400, "INVALID_URL", f"subrequest URL not supported here: {url}")
    if str(sub.get("method", "GET")).upper() != "GET":
        return _error(405, "METHOD_NOT_ALLOWED", "orgsim serves GET subrequests only")
    return run(resource, dict(urllib.parse.parse_qsl(query)))


def answer(body: bytes, version: str, tooling: bool, run: Run) -> dict[str, Any]:
    """The composite response body; raises CompositeError for a request refused whole."""
    done: dict[str, Answer] = {}
    out = []
    for sub in subrequests(body):
        ref = str(sub.get("referenceId") or "")
        status, payload = _one(sub, version, tooling, run, done)
        done[ref] = (status, payload)
        out.append(
            {"body": payload, "httpHeaders": {}, "httpStatusCode": status, "referenceId": ref}
        )
    return {"compositeResponse": out}
