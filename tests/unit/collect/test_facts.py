"""One fact table: the collector's queries and docs/collect.md are read from it."""

from __future__ import annotations

from pathlib import Path

from sfscan.collect import facts, plan

DOC = Path(__file__).resolve().parents[3] / "docs" / "collect.md"


def test_docs_collect_md_shows_the_fact_table_as_it_is() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert facts.DOCS_BEGIN in text and facts.DOCS_END in text
    assert facts.replace_docs_section(text) == text, (
        "docs/collect.md disagrees with sfscan/collect/facts.py: run "
        "`python -m sfscan.collect.facts docs/collect.md`"
    )


def test_a_field_the_org_does_not_describe_is_left_out_or_makes_a_gap() -> None:
    described = {"Id", "ProfileId", "EndAddress", "Description"}
    fields = plan.plan_fields("sobject:LoginIpRange", described)
    assert fields.select == ("Id", "ProfileId", "EndAddress", "Description")
    assert fields.missing_required == ("StartAddress",)
    optional = plan.plan_fields("sobject:PermissionSetAssignment", {"Id", "AssigneeId",
        "PermissionSetId", "PermissionSetGroupId", "IsActive", "ExpirationDate"})  # fmt: skip
    assert optional.missing_required == () and optional.missing_optional == ("IsRevoked",)


def test_every_source_names_its_needs_and_each_fact_its_origin() -> None:
    keys = [s.key for s in facts.SOURCES]
    assert len(keys) == len(set(keys))
    for src in facts.SOURCES:
        assert src.key.partition(":")[0] in ("sobject", "tooling", "metadata")
        assert src.source and src.used_for, src.key
        assert src.without != "own rows" or src.needs, src.key
    assert all(a.source for a in facts.ANSWERS.values())
