"""Checks across a whole protocol: unique ids, references that resolve, rules that fit
the variables they name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from oncotrial.domain.protocol.endpoints import MarkerChange, ResponseRate, TimeToEvent
from oncotrial.domain.protocol.forms import Form
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.problems import Path, Problem
from oncotrial.domain.protocol.rules import Condition, Rule, condition_paths
from oncotrial.domain.protocol.schedule import BUILTIN_ANCHORS
from oncotrial.domain.protocol.variables import BUILTIN_BY_ID, ScreeningVariable, VariableType
from oncotrial.domain.units import parse_unit

NUMERIC_OPERATORS = ("<", "<=", ">", ">=", "between")


def check_references(protocol: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicate_ids(protocol)
    problems += _design_references(protocol)
    problems += _schedule_references(protocol)
    problems += _endpoint_references(protocol)
    problems += _eligibility_rules(protocol)
    problems += _form_rules(protocol)
    problems += _consistency_warnings(protocol)
    return problems


def _duplicates(items: Sequence[object], path: Path, what: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        item_id = str(getattr(item, "id"))  # noqa: B009
        if item_id in seen:
            problems.append(Problem((*path, index, "id"), f"duplicate {what} id {item_id!r}"))
        seen.add(item_id)
    return problems


def _duplicate_ids(p: Protocol) -> list[Problem]:
    problems = _duplicates(p.design.arms, ("design", "arms"), "arm")
    problems += _duplicates(p.design.interventions, ("design", "interventions"), "intervention")
    problems += _duplicates(p.schedule.anchors, ("schedule", "anchors"), "anchor")
    problems += _duplicates(p.schedule.assessments, ("schedule", "assessments"), "assessment")
    problems += _duplicates(p.schedule.visits, ("schedule", "visits"), "visit")
    problems += _duplicates(p.endpoints, ("endpoints",), "endpoint")
    problems += _duplicates(p.forms, ("forms",), "form")
    problems += _duplicates(p.eligibility.variables, ("eligibility", "variables"), "variable")
    for f_index, form in enumerate(p.forms):
        problems += _duplicates(form.fields, ("forms", f_index, "fields"), "field")
        problems += _duplicates(form.checks, ("forms", f_index, "checks"), "check")
    seen: set[str] = set()
    for section in ("inclusion", "exclusion"):
        for index, criterion in enumerate(getattr(p.eligibility, section)):
            if criterion.id in seen:
                problems.append(
                    Problem(
                        ("eligibility", section, index, "id"),
                        f"duplicate criterion id {criterion.id!r}",
                    )
                )
            seen.add(criterion.id)
    for index, anchor in enumerate(p.schedule.anchors):
        if anchor.id in BUILTIN_ANCHORS:
            problems.append(
                Problem(
                    ("schedule", "anchors", index, "id"),
                    f"{anchor.id!r} is a built-in anchor and need not be declared",
                )
            )
    for index, variable in enumerate(p.eligibility.variables):
        if variable.id in BUILTIN_BY_ID:
            problems.append(
                Problem(
                    ("eligibility", "variables", index, "id"),
                    f"{variable.id!r} is a built-in screening variable",
                )
            )
    return problems


def _unknown(value: str, known: Iterable[str], path: Path, what: str) -> list[Problem]:
    known_sorted = sorted(set(known))
    if value in known_sorted:
        return []
    if not known_sorted:
        hint = "none declared"
    elif len(known_sorted) <= 12:
        hint = "known: " + ", ".join(known_sorted)
    else:
        close = difflib.get_close_matches(value, known_sorted, n=3)
        hint = f"did you mean {' or '.join(close)}?" if close else "see the reference list"
    return [Problem(path, f"unknown {what} {value!r} ({hint})")]


def _design_references(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    interventions = [i.id for i in p.design.interventions]
    arms = [a.id for a in p.design.arms]
    for a_index, arm in enumerate(p.design.arms):
        for i_index, ref in enumerate(arm.interventions):
            problems += _unknown(
                ref,
                interventions,
                ("design", "arms", a_index, "interventions", i_index),
                "intervention",
            )
        if arm.assignment_rule is not None:
            problems += _rule_problems(
                arm.assignment_rule,
                ("design", "arms", a_index, "assignment_rule"),
                _variables(p),
            )
    randomization = p.design.randomization
    if randomization is not None:
        for arm_id in randomization.ratio:
            problems += _unknown(arm_id, arms, ("design", "randomization", "ratio", arm_id), "arm")
        for b_index, size in enumerate(randomization.block_sizes):
            total = sum(randomization.ratio.values())
            if size % total:
                problems.append(
                    Problem(
                        ("design", "randomization", "block_sizes", b_index),
                        f"block size {size} is not a multiple of the ratio total {total}",
                    )
                )
        variables = _variables(p)
        for s_index, factor in enumerate(randomization.strata):
            problems += _unknown(
                factor.variable,
                variables,
                ("design", "randomization", "strata", s_index, "variable"),
                "screening variable",
            )
    return problems


def _anchors(p: Protocol) -> list[str]:
    return [*BUILTIN_ANCHORS, *(a.id for a in p.schedule.anchors)]


def _schedule_references(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    anchors = _anchors(p)
    assessments = [a.id for a in p.schedule.assessments]
    forms = [f.id for f in p.forms]
    for v_index, visit in enumerate(p.schedule.visits):
        base: Path = ("schedule", "visits", v_index)
        problems += _unknown(visit.anchor, anchors, (*base, "anchor"), "anchor")
        for index, ref in enumerate(visit.assessments):
            problems += _unknown(ref, assessments, (*base, "assessments", index), "assessment")
        for index, ref in enumerate(visit.forms):
            problems += _unknown(ref, forms, (*base, "forms", index), "form")
    follow_up = p.schedule.follow_up
    if follow_up is not None:
        problems += _unknown(
            follow_up.anchor,
            [*anchors, "end_of_treatment"],
            ("schedule", "follow_up", "anchor"),
            "anchor",
        )
        for index, ref in enumerate(follow_up.assessments):
            problems += _unknown(
                ref, assessments, ("schedule", "follow_up", "assessments", index), "assessment"
            )
    if p.tumour_response is not None and p.tumour_response.assessment is not None:
        problems += _unknown(
            p.tumour_response.assessment,
            assessments,
            ("tumour_response", "assessment"),
            "assessment",
        )
    return problems


def _endpoint_references(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    anchors = _anchors(p)
    visits = [v.id for v in p.schedule.visits]
    lab_assessments = [a.id for a in p.schedule.assessments if a.kind == "lab"]
    for index, endpoint in enumerate(p.endpoints):
        base: Path = ("endpoints", index)
        if isinstance(endpoint, TimeToEvent):
            problems += _unknown(endpoint.start, anchors, (*base, "start"), "anchor")
        elif isinstance(endpoint, ResponseRate):
            if endpoint.assessment_visit is not None:
                problems += _unknown(
                    endpoint.assessment_visit, visits, (*base, "assessment_visit"), "visit"
                )
            if p.tumour_response is None:
                problems.append(
                    Problem(
                        (*base, "criteria"),
                        "a response endpoint needs a 'tumour_response' section in the protocol",
                    )
                )
            elif endpoint.criteria != p.tumour_response.criteria:
                problems.append(
                    Problem(
                        (*base, "criteria"),
                        f"{endpoint.criteria} differs from the study's tumour_response criteria "
                        f"({p.tumour_response.criteria})",
                        severity="warning",
                    )
                )
        elif isinstance(endpoint, MarkerChange):
            problems += _unknown(
                endpoint.assessment, lab_assessments, (*base, "assessment"), "lab assessment"
            )
            problems += _unknown(
                endpoint.baseline_visit, visits, (*base, "baseline_visit"), "visit"
            )
    return problems


def _variables(p: Protocol) -> dict[str, ScreeningVariable]:
    return {**BUILTIN_BY_ID, **{v.id: v for v in p.eligibility.variables}}


def _eligibility_rules(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    low, high = p.eligibility.min_age_years, p.eligibility.max_age_years
    if low is not None and high is not None and low > high:
        problems.append(
            Problem(
                ("eligibility", "max_age_years"),
                f"max_age_years ({high:g}) is below min_age_years ({low:g})",
            )
        )
    variables = _variables(p)
    for section in ("inclusion", "exclusion"):
        for index, criterion in enumerate(getattr(p.eligibility, section)):
            if criterion.rule is not None:
                problems += _rule_problems(
                    criterion.rule, ("eligibility", section, index, "rule"), variables
                )
    return problems


def _rule_problems(
    rule: Rule, path: Path, variables: dict[str, ScreeningVariable]
) -> list[Problem]:
    problems: list[Problem] = []
    for sub_path, condition in condition_paths(rule, path):
        variable = variables.get(condition.field)
        if variable is None:
            problems += _unknown(
                condition.field, variables, (*sub_path, "field"), "screening variable"
            )
            continue
        problems += _condition_fits(condition, variable, sub_path)
    return problems


def _condition_fits(condition: Condition, variable: ScreeningVariable, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    value = condition.value
    values = value if isinstance(value, list) else [value]
    if condition.op in ("in", "not_in") and not isinstance(value, list):
        problems.append(Problem((*path, "value"), f"'{condition.op}' needs a list of values"))
    if condition.op == "between":
        if not (isinstance(value, list) and len(value) == 2):
            return [Problem((*path, "value"), "'between' needs [low, high]")]
        low, high = value
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
            problems.append(Problem((*path, "value"), f"'between' range is empty: {low} > {high}"))
    if condition.op not in ("in", "not_in", "between") and isinstance(value, list):
        problems.append(Problem((*path, "value"), f"'{condition.op}' needs a single value"))
    if variable.type in ("number", "integer"):
        if any(isinstance(v, (bool, str)) for v in values):
            problems.append(
                Problem((*path, "value"), f"{variable.id!r} is a number; got {value!r}")
            )
        problems += _unit_fits(condition, variable, path)
    elif variable.type == "boolean":
        if condition.op not in ("==", "!="):
            problems.append(Problem((*path, "op"), f"{variable.id!r} is yes/no: use '==' or '!='"))
        if any(not isinstance(v, bool) for v in values):
            problems.append(Problem((*path, "value"), f"{variable.id!r} is yes/no; got {value!r}"))
    elif variable.type == "choice":
        if condition.op in NUMERIC_OPERATORS:
            problems.append(
                Problem((*path, "op"), f"{variable.id!r} is a choice: use ==, !=, in or not_in")
            )
        for v in values:
            if str(v) not in variable.choices:
                problems.append(
                    Problem(
                        (*path, "value"),
                        f"{v!r} is not a choice of {variable.id!r} ({', '.join(variable.choices)})",
                    )
                )
    return problems


def _unit_fits(condition: Condition, variable: ScreeningVariable, path: Path) -> list[Problem]:
    if condition.unit is None:
        return []
    if variable.unit is None:
        return [Problem((*path, "unit"), f"{variable.id!r} has no unit; remove {condition.unit!r}")]
    expected = parse_unit(variable.unit)
    given = parse_unit(condition.unit)
    if given.dimension != expected.dimension:
        return [
            Problem(
                (*path, "unit"),
                f"unit {condition.unit!r} does not fit {variable.id!r}, recorded in "
                f"{variable.unit} ({expected.dimension.replace('_', ' ')})",
            )
        ]
    return []


def _form_rules(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    for f_index, form in enumerate(p.forms):
        fields = _form_variables(form)
        for index, form_field in enumerate(form.fields):
            if form_field.show_if is not None:
                problems += _rule_problems(
                    form_field.show_if, ("forms", f_index, "fields", index, "show_if"), fields
                )
        for index, check in enumerate(form.checks):
            problems += _rule_problems(
                check.rule, ("forms", f_index, "checks", index, "rule"), fields
            )
    return problems


_FIELD_VARIABLE_TYPES: dict[str, VariableType] = {
    "integer": "integer",
    "decimal": "number",
    "boolean": "boolean",
    "choice": "choice",
    "multichoice": "choice",
    "date": "date",
    "datetime": "date",
    "text": "text",
    "textarea": "text",
}


def _form_variables(form: Form) -> dict[str, ScreeningVariable]:
    """The form's fields seen as variables, so that rules over them can be checked."""
    return {
        f.id: ScreeningVariable(
            id=f.id,
            label=f.label,
            type=_FIELD_VARIABLE_TYPES[f.type],
            unit=f.unit,
            choices=tuple(c.code for c in f.choices),
        )
        for f in form.fields
    }


def _consistency_warnings(p: Protocol) -> list[Problem]:
    problems: list[Problem] = []
    target = p.identification.enrollment.target
    if p.sample_size is not None and p.sample_size.target != target:
        problems.append(
            Problem(
                ("sample_size", "target"),
                f"sample_size.target ({p.sample_size.target}) differs from "
                f"identification.enrollment.target ({target})",
                severity="warning",
            )
        )
    sizes = [a.target_size for a in p.design.arms]
    if all(s is not None for s in sizes) and sum(s or 0 for s in sizes) != target:
        problems.append(
            Problem(
                ("design", "arms"),
                f"the arms' target sizes add up to {sum(s or 0 for s in sizes)}, "
                f"not the enrollment target {target}",
                severity="warning",
            )
        )
    if (
        p.design.allocation == "randomized"
        and len(p.design.arms) > 1
        and (p.design.randomization is None)
    ):
        problems.append(
            Problem(
                ("design", "randomization"),
                "a randomized design has no randomization section (ratio, block sizes, strata)",
                severity="warning",
            )
        )
    return problems
