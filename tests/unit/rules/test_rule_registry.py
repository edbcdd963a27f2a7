"""Invariants over the whole rule registry (metadata complete, ids the contract's)."""

import re

import pytest
from sfscan.domain.findings import Severity, Status
from sfscan.domain.rule_ids import RULE_IDS
from sfscan.engine import evaluate
from sfscan.rules.registry import RULES, RULES_BY_ID

from tests.builders import KNOWN_DATA_KEYS, OrgBuilder, make_settings, make_snapshot

NEEDS_KEY = re.compile(r"^(sobject|tooling|metadata):[A-Za-z]+$")


def test_rule_ids_are_unique_and_equal_the_contract():
    ids = [rule.meta.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert tuple(ids) == RULE_IDS
    assert set(RULES_BY_ID) == set(RULE_IDS)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_metadata_is_complete(rule):
    meta = rule.meta
    assert 0 < len(meta.title) <= 80
    assert meta.description.strip() and meta.risk.strip()
    assert meta.remediation.text.strip()
    assert meta.remediation.url.startswith("https://help.salesforce.com/")
    assert isinstance(meta.severity, Severity)
    assert meta.resource_type in {"User", "ConnectedApp", "ExternalClientApp", "Org"} or (
        meta.resource_type == "ConnectedApp or ExternalClientApp"
    )
    assert meta.needs
    for key in (*meta.needs, *meta.optional_needs):
        assert NEEDS_KEY.match(key), key
        assert key in KNOWN_DATA_KEYS, key
    assert not set(meta.needs) & set(meta.optional_needs)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_empty_snapshot_never_passes_anything(rule):
    """With nothing collected every rule says NOT_AVAILABLE for the org, never PASSED."""
    result = evaluate(make_snapshot(omit=KNOWN_DATA_KEYS), make_settings(), rules=[rule])
    assert [(f.resource_type, f.status) for f in result.findings] == [("Org", Status.NOT_AVAILABLE)]
    assert rule.meta.id in result.incomplete_rules


def test_every_finding_names_its_resource_and_has_a_one_sentence_detail():
    org = OrgBuilder()
    org.integration_user()
    result = evaluate(org.snapshot(), make_settings(allowed_networks=["203.0.113.0/24"]))
    assert result.findings
    for finding in result.findings:
        assert finding.resource_id and finding.resource_name
        assert finding.detail.endswith(".") and finding.detail.count(". ") == 0, finding.detail


def test_records_without_identifiers_are_not_judged_and_mark_rules_incomplete():
    org = OrgBuilder()
    org.integration_user(Id=None)
    org.add("metadata:ConnectedApp", {"oauthConfig": {}, "oauthPolicy": {}})
    org.add("metadata:ExtlClntAppOauthConfigurablePolicies", {"ipRelaxationPolicyType": "Enforce"})
    org.add("ConnectedApplication", {"OptionsAllowAdminApprovedUsersOnly": True})
    result = evaluate(org.snapshot(), make_settings())
    assert not [f for f in result.findings if f.status is Status.PASSED]
    assert {"SF-IU-01", "SF-CA-01", "SF-CA-02", "SF-CA-03"} <= set(result.incomplete_rules)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_a_rule_returns_its_gaps_with_its_findings_and_the_engine_merges_them(rule):
    """Incomplete is a result: the context records nothing behind the rule's back."""
    from sfscan.rules.base import RuleResult
    from sfscan.rules.context import EvaluationContext

    snapshot = make_snapshot(unavailable={k: "denied" for k in rule.meta.optional_needs})
    ctx = EvaluationContext(snapshot, make_settings(allowed_networks=["203.0.113.0/24"]))
    got = rule.evaluate(ctx)
    assert isinstance(got, RuleResult)
    assert not hasattr(ctx, "incomplete") and not hasattr(ctx, "note_incomplete")
    merged = evaluate(snapshot, ctx.settings, rules=[rule])
    assert bool(got.gaps) == (rule.meta.id in merged.incomplete_rules)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_every_source_a_rule_reads_is_in_the_collectors_fact_table(rule):
    """The fact table (collect/facts.py) is the one list of what the collector reads, what it
    needs and from which API version; a rule may not depend on data it does not list."""
    from sfscan.collect.facts import BY_KEY

    read = {*rule.meta.needs, *rule.meta.optional_needs}
    assert read - set(BY_KEY) == set()
