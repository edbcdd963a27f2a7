"""Several REST requests in one API call: ``POST /composite`` (and ``/tooling/composite``).

Salesforce counts a whole Composite request as one call toward the daily limit, for up to 25
subrequests of which up to 5 are queries (facts.py). The readiness check that starts every scan
uses it for the describes and the small fixed queries it and the collection need, so that a
scan of a small org costs about what its data does.

A subrequest's answer is kept only for the request it stands for: the client answers a later
describe or query with exactly that text from here, and makes the call itself for anything else
(a refused Composite request, a 5xx subrequest, a reference that could not be resolved). So
what the org returns through Composite never differs from what the direct call would return.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from sfscan.collect import facts
from sfscan.collect.errors import SourceUnavailable

# ``@{reference.records[0].Field}``: a value from an earlier subrequest's answer.
REFERENCE = re.compile(r"@\{[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+|\[\d+\])*\}")


@dataclass(frozen=True)
class Subrequest:
    """One GET: a describe (``sobject``) or a query (``soql``), REST or Tooling."""

    ref: str
    soql: str = ""
    sobject: str = ""

    @property
    def is_query(self) -> bool:
        return bool(self.soql)

    def references(self) -> set[str]:
        return {m.group(0)[2:].split(".")[0].split("[")[0] for m in REFERENCE.finditer(self.soql)}

    def url(self, api_version: str, tooling: bool) -> str:
        base = f"/services/data/v{api_version}/{'tooling/' if tooling else ''}"
        if not self.is_query:
            return f"{base}sobjects/{self.sobject}/describe"  # names from the fact table only
        return f"{base}query/?q={_quote_keeping_references(self.soql)}"


def _quote_keeping_references(soql: str) -> str:
    """URL-encode the SOQL but leave ``@{...}`` references as they are, for Salesforce to
    replace (the documented examples show them unencoded in the URL)."""
    out, last = [], 0
    for match in REFERENCE.finditer(soql):
        out += [urllib.parse.quote_plus(soql[last : match.start()]), match.group(0)]
        last = match.end()
    out.append(urllib.parse.quote_plus(soql[last:]))
    return "".join(out)


def chunks(subrequests: list[Subrequest]) -> list[list[Subrequest]]:
    """Requests of at most 25 subrequests and 5 queries, in order. A query that refers to a
    subrequest of an earlier chunk is left out: the caller then makes that call itself."""
    out: list[list[Subrequest]] = [[]]
    for sub in subrequests:
        chunk = out[-1]
        full = len(chunk) >= facts.COMPOSITE_MAX_SUBREQUESTS or (
            sub.is_query and sum(s.is_query for s in chunk) >= facts.COMPOSITE_MAX_QUERIES
        )
        if full:
            chunk = []
            out.append(chunk)
        if sub.references() - {s.ref for s in chunk}:
            continue
        chunk.append(sub)
    return [c for c in out if c]


def body(chunk: list[Subrequest], api_version: str, tooling: bool) -> dict[str, Any]:
    requests = [
        {"method": "GET", "url": s.url(api_version, tooling), "referenceId": s.ref} for s in chunk
    ]
    return {"allOrNone": False, "compositeRequest": requests}


Answer = Any | SourceUnavailable  # a subrequest's body, or why the org refused it


def answers(chunk: list[Subrequest], response: Any) -> dict[str, Answer]:
    """Subrequest ref -> its body or its error. Answers the client should not reuse (a server
    error, a subrequest halted because another failed, a reference the org could not resolve,
    an answer that cannot be paired with its request) are left out."""
    subs = response.get("compositeResponse") if isinstance(response, dict) else None
    if not isinstance(subs, list):
        return {}
    wanted = {s.ref: s for s in chunk}
    out: dict[str, Answer] = {}
    for sub in subs:
        ref = sub.get("referenceId") if isinstance(sub, dict) else None
        if ref not in wanted:
            continue
        answer = _answer(sub)
        if isinstance(answer, SourceUnavailable) and (
            not isinstance(sub.get("httpStatusCode"), int)
            or sub["httpStatusCode"] >= 500
            or answer.code == "PROCESSING_HALTED"
            or wanted[ref].references()
        ):
            continue
        out[ref] = answer
    return out


def _answer(sub: dict[str, Any]) -> Answer:
    status = sub.get("httpStatusCode")
    content = sub.get("body")
    if status == 200 and isinstance(content, dict):
        return content
    error = content[0] if isinstance(content, list) and content else {}
    error = error if isinstance(error, dict) else {}
    code = str(error.get("errorCode") or ("NOT_FOUND" if status == 404 else f"HTTP_{status}"))
    return SourceUnavailable(code, str(error.get("message") or "the subrequest failed").strip())


def field_names(described: Any) -> set[str]:
    fields = described.get("fields") if isinstance(described, dict) else None
    return {str(f.get("name")) for f in fields or [] if isinstance(f, dict)}
