"""Study pages: the list of studies and one page per study."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oncotrial.apps.accounts import access
from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.studies import display, selectors


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    visible = access_selectors.studies_for(request.user)
    return render(request, "studies/study_list.html", {"studies": selectors.list_studies(visible)})


@login_required
def study_detail(request: HttpRequest, key: str) -> HttpResponse:
    view = access.study_for(request.user, key)
    context = study_context(view)
    context["history"] = selectors.version_history(view.study)
    return render(request, "studies/study_detail.html", context)


def study_context(view: selectors.StudyView) -> dict[str, Any]:
    """What the study page shows, with the protocol's cross-references resolved."""
    p = view.protocol
    labels = display.variable_labels(p)
    anchors = display.anchor_labels(p)
    interventions = {i.id: i for i in p.design.interventions}
    arm_ids = {i: [a.label for a in p.design.arms if i in a.interventions] for i in interventions}
    if len(p.design.arms) > 1:
        everywhere = {i for i, arms in arm_ids.items() if len(arms) == len(p.design.arms)}
        arm_ids.update({i: ["All arms"] for i in everywhere})
    assessments = p.schedule.assessments
    visits = p.schedule.visits
    grid = [
        {
            "assessment": a,
            "cells": [a.id in v.assessments for v in visits],
            "follow_up": bool(p.schedule.follow_up and a.id in p.schedule.follow_up.assessments),
        }
        for a in assessments
    ]
    forms = {f.id: f for f in p.forms}
    return {
        "view": view,
        "study": view.study,
        "version": view.version,
        "p": p,
        "ident": p.identification,
        "arms": [
            {
                "arm": arm,
                "arm_notes": any(
                    a.description or a.assignment_rule or a.assignment_text for a in p.design.arms
                ),
                "interventions": [interventions[i] for i in arm.interventions],
                "assignment": display.rule_text(arm.assignment_rule, labels)
                if arm.assignment_rule
                else "",
            }
            for arm in p.design.arms
        ],
        "interventions": [
            {"item": i, "arms": arm_ids.get(i.id, [])} for i in p.design.interventions
        ],
        "inclusion": [(c, display.rule_text(c.rule, labels)) for c in p.eligibility.inclusion],
        "exclusion": [(c, display.rule_text(c.rule, labels)) for c in p.eligibility.exclusion],
        "visits": [
            {
                "visit": v,
                "anchor": anchors.get(v.anchor, display.humanize(v.anchor)),
                "forms": [forms[f].label if f in forms else f for f in v.forms],
            }
            for v in visits
        ],
        "grid": grid,
        "follow_up": display.follow_up_text(p.schedule.follow_up, anchors)
        if p.schedule.follow_up
        else "",
        "endpoints": [
            {
                "endpoint": e,
                "kind": display.humanize(e.kind),
                "definition": display.endpoint_definition(e, p),
            }
            for e in p.endpoints
        ],
    }
