"""The explicit list of rules. Adding a rule means adding a module and a line here."""

from __future__ import annotations

from sfscan.rules import (
    sf_ca_01,
    sf_ca_02,
    sf_ca_03,
    sf_ca_04,
    sf_iu_01,
    sf_iu_02,
    sf_iu_03,
    sf_iu_04,
    sf_iu_05,
    sf_iu_06,
    sf_net_01,
    sf_org_01,
)
from sfscan.rules.base import Rule

RULES: tuple[Rule, ...] = (
    sf_iu_01.RULE,
    sf_iu_02.RULE,
    sf_iu_03.RULE,
    sf_iu_04.RULE,
    sf_iu_05.RULE,
    sf_iu_06.RULE,
    sf_ca_01.RULE,
    sf_ca_02.RULE,
    sf_ca_03.RULE,
    sf_ca_04.RULE,
    sf_net_01.RULE,
    sf_org_01.RULE,
)

RULES_BY_ID: dict[str, Rule] = {rule.meta.id: rule for rule in RULES}
