"""``sfscan rules``: the rule catalogue; and the selection flags ``scan`` uses to pick rules.

The catalogue is read from the rule registry (never a hard-coded list) and the compliance mapping,
so a new rule appears here as soon as it is registered.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from sfscan.cli.exit_codes import OK
from sfscan.compliance import framework_names, load_mapping
from sfscan.domain.errors import InputError
from sfscan.domain.findings import Severity
from sfscan.rules.base import Rule
from sfscan.rules.registry import RULES

SELECTION_HELP = """\
rule selection (scan):
  --rules SF-IU-01,SF-CA-*     evaluate only these rules (ids or shell-style patterns)
  --exclude-rules SF-NET-01    evaluate all but these
  --severity high,critical     evaluate only rules whose severity is one of these
  Rules left out are neither evaluated nor reported. An unknown id, or a pattern that matches
  no rule, is bad input (exit 2). `sfscan rules` lists the ids.
"""


def rule_set_version(rules: Sequence[Rule] = RULES) -> str:
    """``<n> rules, <fingerprint>``: changes whenever a rule, its severity, needs or mapping do."""
    mapping = load_mapping()
    material = [
        [
            r.meta.id,
            r.meta.title,
            r.meta.severity.value,
            list(r.meta.needs),
            mapping.labelled(r.meta.id),
        ]
        for r in rules
    ]
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{len(rules)} rules, {digest[:12]}"


def version_text(package_version: str) -> str:
    return f"sfscan {package_version} (rule set: {rule_set_version()})"


# -- selection ---------------------------------------------------------------------------------


def _split(value: str | None) -> list[str]:
    if value is None:
        return []
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def _matching(patterns: list[str], flag: str, rules: Sequence[Rule]) -> set[str]:
    ids = [rule.meta.id for rule in rules]
    chosen: set[str] = set()
    for pattern in patterns:
        matched = fnmatch.filter(ids, pattern)
        if not matched:
            raise InputError(
                f"{flag}: {pattern!r} matches no rule; known rules: {', '.join(ids)} "
                "(see `sfscan rules`)"
            )
        chosen.update(matched)
    return chosen


def _severities(value: str | None) -> set[Severity] | None:
    names = _split(value)
    if not names:
        return None
    try:
        return {Severity(name) for name in names}
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise InputError(
            f"--severity: {value!r} names an unknown severity; use {allowed}"
        ) from None


def select_rules(
    include: str | None,
    exclude: str | None,
    severity: str | None,
    rules: Sequence[Rule] = RULES,
) -> tuple[Rule, ...] | None:
    """The rules to evaluate, in registry order; None when no selection flag was given."""
    if include is None and exclude is None and severity is None:
        return None
    wanted = _matching(_split(include), "--rules", rules) if _split(include) else None
    unwanted = _matching(_split(exclude), "--exclude-rules", rules)
    severities = _severities(severity)
    selected = tuple(
        rule
        for rule in rules
        if (wanted is None or rule.meta.id in wanted)
        and rule.meta.id not in unwanted
        and (severities is None or rule.meta.severity in severities)
    )
    if not selected:
        raise InputError("--rules/--exclude-rules/--severity: the selection leaves no rule to run")
    return selected


def add_selection_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("rule selection (see `sfscan rules`)")
    group.add_argument(
        "--rules",
        metavar="ID[,ID]",
        help="evaluate only these rules; ids or patterns such as SF-CA-*",
    )
    group.add_argument(
        "--exclude-rules", metavar="ID[,ID]", help="evaluate all rules but these (ids or patterns)"
    )
    group.add_argument(
        "--severity",
        metavar="SEV[,SEV]",
        help="evaluate only rules of these severities, e.g. high,critical",
    )


# -- the catalogue -----------------------------------------------------------------------------


def catalogue(rules: Sequence[Rule] = RULES) -> list[dict[str, Any]]:
    mapping = load_mapping()
    return [
        {
            "id": rule.meta.id,
            "title": rule.meta.title,
            "severity": rule.meta.severity.value,
            "resource_type": rule.meta.resource_type,
            "needs": list(rule.meta.needs),
            "optional_needs": list(rule.meta.optional_needs),
            "description": rule.meta.description,
            "remediation_url": rule.meta.remediation.url,
            "compliance": mapping.for_rule(rule.meta.id),
        }
        for rule in rules
    ]


def _table(entries: list[dict[str, Any]]) -> str:
    names = framework_names()
    out: list[str] = []
    for entry in entries:
        out.append(f"{entry['id']}  {entry['severity']:<8}  {entry['resource_type']}")
        out.extend(textwrap.wrap(entry["title"], 96, initial_indent="  ", subsequent_indent="  "))
        out.extend(
            textwrap.wrap(
                "reads: " + ", ".join(entry["needs"]),
                96,
                initial_indent="  ",
                subsequent_indent="         ",
            )
        )
        for key, ids in entry["compliance"].items():
            out.append(f"  {names.get(key, key)}: {', '.join(ids)}")
        out.append("")
    out.append(f"{len(entries)} rule(s) listed; rule set: {rule_set_version()}")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    selected = select_rules(args.rules, args.exclude_rules, args.severity) or RULES
    entries = catalogue(selected)
    if args.format == "json":
        text = json.dumps({"rule_set": rule_set_version(), "rules": entries}, indent=2) + "\n"
    else:
        text = _table(entries)
    sys.stdout.write(text)
    return OK


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "rules",
        help="list the rules: id, title, severity, resource, data read, frameworks",
        description="List every rule sfscan evaluates, with the Salesforce data it reads and the "
        "framework requirements (NIST SP 800-53 rev. 5, CIS Controls v8, ISO/IEC 27001:2022 "
        "Annex A, SOC 2) it supports.",
        epilog=SELECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", default="table", type=str.lower, choices=("table", "json"))
    add_selection_arguments(p)
    p.set_defaults(handler=run)
