"""Bounded evidence: whatever a rule writes, the summary fits its byte budget, keeps the heaviest
entries first and says how many it left out."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sfscan.store.evidence import bound_evidence, json_size, omitted_count

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=300)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=30), st.dictionaries(st.text(max_size=20), inner, max_size=30)
    ),
    max_leaves=40,
)
evidences = st.dictionaries(st.text(max_size=30), values, max_size=12)


@settings(max_examples=60, deadline=None)
@given(evidence=evidences, budget=st.integers(min_value=2, max_value=4000))
def test_the_summary_always_fits_its_budget(evidence: dict[str, Any], budget: int) -> None:
    assert json_size(bound_evidence(evidence, budget)) <= budget


@settings(max_examples=100, deadline=None)
@given(counts=st.lists(st.integers(min_value=0, max_value=10**6), min_size=11, max_size=300))
def test_the_heaviest_entries_come_first_and_the_rest_are_counted(counts: list[int]) -> None:
    ips = {f"10.0.{i // 256}.{i % 256}": {"count": c} for i, c in enumerate(counts)}
    kept = bound_evidence({"outside_ips": ips}, 100_000)
    listed = [v["count"] for v in kept["outside_ips"].values()]
    assert listed == sorted(counts, reverse=True)[: len(listed)]
    assert kept["outside_ips_total"] == len(counts)
    assert len(listed) + omitted_count(kept, "outside_ips") == len(counts)


def test_small_evidence_is_kept_exactly() -> None:
    evidence = {"reasons": ["license", "run-as"], "api_logins": 12, "window": {"from": "a"}}
    assert bound_evidence(evidence, 1000) == evidence
