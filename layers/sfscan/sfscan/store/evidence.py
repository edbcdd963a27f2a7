"""Bounded evidence: what the table, SNS and Security Hub keep of a finding's evidence.

A rule's evidence can grow with the org: SF-NET-01 lists every outside IP of a user, and an org
under attack has tens of thousands. DynamoDB refuses items over 400 KB, an SNS message is at most
256 KB and every ASFF field has its own limit, so everything stored or published keeps a bounded
summary; the whole evidence stays only in the CLI's JSON output.

The summary keeps the most useful part. A collection (dict or list) longer than ``max_entries``
keeps its heaviest entries (by ``count`` when entries carry one, so the most-used IPs come first),
and two keys beside it say what was left out: ``<key>_total`` (how many there were) and
``<key>_omitted`` (how many are not listed). Long strings are cut with "...". When the summary is
still larger than ``max_bytes`` (compact JSON, UTF-8), fewer entries are kept, down to none; as a
last resort whole keys are dropped, largest first, and listed in ``omitted_keys``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_ENTRIES = 10  # per collection: the top 10 IPs, apps, ... by count
MAX_STRING = 200  # characters of one string value
TOTAL_SUFFIX = "_total"
OMITTED_SUFFIX = "_omitted"
OMITTED_KEYS = "omitted_keys"


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (how the table and the messages carry it)."""
    return len(
        json.dumps(value, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")
    )


def _weight(value: Any) -> float:
    """How much an entry matters: its ``count``, or the number itself; 0 otherwise."""
    if isinstance(value, dict):
        value = value.get("count")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _small(value: Any, max_string: int) -> Any:
    """Strings cut; nested collections kept whole only when tiny (they are not the evidence's
    point), otherwise replaced by their length."""
    if isinstance(value, str):
        return _cut(value, max_string)
    if isinstance(value, dict | list) and json_size(value) > max_string:
        return f"{len(value)} entries"
    return value


def top_entries(value: dict[str, Any] | list[Any], keep: int) -> dict[str, Any] | list[Any]:
    """The ``keep`` heaviest entries, heaviest first (ties in key order)."""
    if isinstance(value, dict):
        ranked = sorted(value.items(), key=lambda kv: (-_weight(kv[1]), str(kv[0])))
        return dict(ranked[:keep])
    ranked_list = sorted(value, key=lambda v: -_weight(v))  # stable: the rule's order on ties
    return ranked_list[:keep]


def _summarise(evidence: dict[str, Any], keep: int, max_string: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in evidence.items():
        if isinstance(value, dict | list):
            if len(value) > keep:
                kept = top_entries(value, keep)
                out[f"{key}{TOTAL_SUFFIX}"] = len(value)
                out[f"{key}{OMITTED_SUFFIX}"] = len(value) - len(kept)
            else:
                kept = value
            if isinstance(kept, dict):
                out[key] = {str(k): _small(v, max_string) for k, v in kept.items()}
            else:
                out[key] = [_small(v, max_string) for v in kept]
        else:
            out[key] = _small(value, max_string)
    return out


def bound_evidence(
    evidence: dict[str, Any],
    max_bytes: int,
    *,
    max_entries: int = MAX_ENTRIES,
    max_string: int = MAX_STRING,
) -> dict[str, Any]:
    """A summary of ``evidence`` whose compact JSON is at most ``max_bytes`` (see module doc).

    Evidence that already fits within the entry and string caps is returned unchanged.
    """
    keep = max_entries
    while True:
        summary = _summarise(evidence, keep, max_string)
        if json_size(summary) <= max_bytes or keep == 0:
            break
        keep = keep // 2
    if json_size(summary) <= max_bytes:
        return summary
    return _drop_keys(summary, max_bytes)


def _drop_keys(summary: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """Drop the largest keys until the rest fits, naming them in ``omitted_keys``."""
    out = dict(summary)
    dropped: list[str] = []
    by_size = sorted(out, key=lambda k: -json_size(out[k]))
    for key in by_size:
        if json_size({**out, OMITTED_KEYS: dropped}) <= max_bytes:
            break
        del out[key]
        dropped.append(key)
    if dropped:
        out[OMITTED_KEYS] = sorted(dropped)
    while json_size(out) > max_bytes and out.get(OMITTED_KEYS):
        out[OMITTED_KEYS] = out[OMITTED_KEYS][:-1]  # even the list of names must fit
    return out if json_size(out) <= max_bytes else {}


def omitted_count(evidence: dict[str, Any], key: str) -> int:
    """How many entries of ``key`` a bounded summary left out (0 when it kept them all)."""
    value = evidence.get(f"{key}{OMITTED_SUFFIX}", 0)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0
