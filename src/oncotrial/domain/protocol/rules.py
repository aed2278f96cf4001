"""Computable eligibility rules: data, not code.

A rule is either a condition over one screening variable
(`{field: ecog, op: "<=", value: 2}`, optionally with a `unit`) or a group:
`{all: [...]}`, `{any: [...]}`, `{not: rule}`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from oncotrial.domain.protocol.base import Strict, UnitSymbol

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between"]
Scalar = float | int | bool | str


class Condition(Strict):
    field: str
    op: Operator
    value: Scalar | list[Scalar]
    unit: UnitSymbol | None = None


class AllOf(Strict):
    all: list[Rule] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Rule] = Field(min_length=1)


class Not(Strict):
    not_: Rule = Field(alias="not")


def _rule_kind(data: Any) -> str:
    if isinstance(data, dict):
        return next((key for key in ("all", "any", "not") if key in data), "condition")
    kinds: dict[type, str] = {AllOf: "all", AnyOf: "any", Not: "not"}
    return kinds.get(type(data), "condition")


Rule = Annotated[
    Annotated[Condition, Tag("condition")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(_rule_kind),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def conditions(rule: Rule) -> list[Condition]:
    """Every condition inside `rule`, depth first."""
    if isinstance(rule, Condition):
        return [rule]
    if isinstance(rule, AllOf):
        return [c for r in rule.all for c in conditions(r)]
    if isinstance(rule, AnyOf):
        return [c for r in rule.any for c in conditions(r)]
    return conditions(rule.not_)


def condition_paths(
    rule: Rule, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Condition]]:
    """Each condition with its path inside the rule, for error messages."""
    if isinstance(rule, Condition):
        return [(path, rule)]
    if isinstance(rule, AllOf):
        return [p for i, r in enumerate(rule.all) for p in condition_paths(r, (*path, "all", i))]
    if isinstance(rule, AnyOf):
        return [p for i, r in enumerate(rule.any) for p in condition_paths(r, (*path, "any", i))]
    return condition_paths(rule.not_, (*path, "not"))
