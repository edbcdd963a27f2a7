"""Queries a real org refuses, driven by sfscan's fact table (``sfscan.collect.facts``).

The evaluator (soql_eval.py) answers any query it understands; this module refuses, before
evaluation, what Salesforce refuses: a WHERE on a field the org does not let you filter
(LoginHistory's Status, Application, SourceIp) and a GROUP BY on a field it does not let you
group (LoginHistory's LoginTime). It also gives an aggregate answer that would need more than one
batch the org's own error. A collector change relying on something the real org refuses
therefore fails against the simulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sfscan.collect import facts

from orgsim.soql import SoqlError
from orgsim.soql_ast import BoolOp, Comparison, Condition, Not, Query
from orgsim.soql_eval import ObjectData, Outcome, evaluate


def _compared_fields(cond: Condition | None) -> Iterator[str]:
    if cond is None:
        return
    if isinstance(cond, Comparison):
        yield cond.field
    elif isinstance(cond, Not):
        yield from _compared_fields(cond.part)
    elif isinstance(cond, BoolOp):
        for part in cond.parts:
            yield from _compared_fields(part)


def _refusal(kind: str, field: str) -> SoqlError:
    answer = facts.ANSWERS[kind]
    return SoqlError(answer.code, answer.message.format(field=field))


def check_query(query: Query, section: str, sobject: str) -> None:
    """Raise the org's error for a filter or grouping the object's fields do not allow."""
    prefix = "tooling" if section == "tooling" else "sobject"
    src = facts.BY_KEY.get(f"{prefix}:{sobject}")
    if src is None:
        return
    for name in _compared_fields(query.where):
        fact = src.field(name)
        if fact is not None and not fact.filterable:
            raise _refusal("not_filterable", fact.name)
    for name in query.group_by:
        fact = src.field(name)
        if fact is not None and not fact.groupable:
            raise _refusal("not_groupable", fact.name)


def as_org_answers(exc: SoqlError, query: Query) -> SoqlError:
    """The evaluator's "more groups than one batch" refusal, as the org words it."""
    if query.is_aggregate and exc.code == "MALFORMED_QUERY" and "groups" in exc.message:
        answer = facts.ANSWERS["aggregate_overflow"]
        return SoqlError(answer.code, answer.message)
    return exc


def evaluate_as_org(query: Query, data: ObjectData) -> Outcome:
    try:
        return evaluate(query, data)
    except SoqlError as exc:
        raise as_org_answers(exc, query) from None


def describe_field(name: str, src: facts.Source | None) -> dict[str, Any]:
    """One field of a describe answer; filterable/groupable from the fact table."""
    fact = src.field(name) if src is not None else None
    return {
        "name": name,
        "type": "id" if name == "Id" else "string",
        "filterable": fact.filterable if fact else True,
        "groupable": fact.groupable if fact else True,
    }
