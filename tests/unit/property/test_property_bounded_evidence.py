"""Bounded evidence (store/evidence.py), for any evidence shape: what is stored or published fits
its byte limit, and what is kept of a collection is its most-used part."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sfscan.store.evidence import OMITTED_SUFFIX, TOTAL_SUFFIX, bound_evidence, json_size

ips = st.dictionaries(
    keys=st.ip_addresses(v=4).map(str),
    values=st.fixed_dictionaries({"count": st.integers(1, 10_000), "last": st.text(max_size=30)}),
    max_size=60,
)
scalars = st.one_of(st.integers(), st.booleans(), st.none(), st.text(max_size=400))
evidence = st.fixed_dictionaries(
    {"outside_ips": ips},
    optional={
        "users": st.lists(st.text(max_size=40), max_size=40),
        "reason": scalars,
        "window": st.dictionaries(st.text(max_size=10), scalars, max_size=5),
    },
)


@settings(max_examples=300, deadline=None)
@given(evidence, st.integers(min_value=2, max_value=4000))  # "{}" is the smallest summary
def test_the_bounded_evidence_always_fits(raw: dict[str, Any], max_bytes: int) -> None:
    assert json_size(bound_evidence(raw, max_bytes)) <= max_bytes


@settings(max_examples=300, deadline=None)
@given(evidence)
def test_the_most_used_ips_are_the_ones_kept_and_the_rest_is_counted(raw: dict[str, Any]) -> None:
    bounded = bound_evidence(raw, 100_000)  # room enough: only the entry cap applies
    kept = bounded["outside_ips"]
    original = raw["outside_ips"]
    assert set(kept) <= set(original)
    if len(kept) < len(original):
        assert bounded[f"outside_ips{TOTAL_SUFFIX}"] == len(original)
        assert bounded[f"outside_ips{OMITTED_SUFFIX}"] == len(original) - len(kept)
        lowest_kept = min(original[ip]["count"] for ip in kept)
        left_out = [v["count"] for ip, v in original.items() if ip not in kept]
        assert max(left_out) <= lowest_kept
