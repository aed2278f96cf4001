"""Screening pages: the screening log, registering a candidate, and the candidate page
(screening values with a live eligibility panel, attestations, confirmation, consent).

Views parse input, call the services and render; a candidate of another site is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from oncotrial.apps.accounts import selectors as access
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.screening import forms, selectors, services
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.domain.eligibility import EligibilityResult, protocol_variables, screening_fields
from oncotrial.domain.permissions import ROLE_ACTIONS, Action

STATUS_CLASS = {
    "met": "met",
    "not_met": "not-met",
    "missing_data": "missing",
    "invalid_data": "missing",
    "awaiting_attestation": "awaiting",
}
STATUS_LABEL = {
    "met": "Met",
    "not_met": "Not met",
    "missing_data": "Missing data",
    "invalid_data": "Invalid data",
    "awaiting_attestation": "Awaiting attestation",
}
EXCLUSION_LABEL = {"met": "Applies", "not_met": "Does not apply"}


def _study(request: HttpRequest, key: str) -> StudyView:
    return study_for(request.user, key, Action.VIEW_SUBJECTS)


def _candidate(request: HttpRequest, view: StudyView, number: str) -> Candidate:
    try:
        return selectors.get_candidate(request.user, view.study, number)
    except Candidate.DoesNotExist:
        raise Http404(f"No candidate {number}") from None


# --------------------------------------------------------------------------- log


@login_required
def screening_log(request: HttpRequest, key: str) -> HttpResponse:
    view = _study(request, key)
    sites = list(access.sites_for(request.user, view.study, Action.VIEW_SUBJECTS).order_by("code"))
    code = request.GET.get("site", "")
    site = next((s for s in sites if s.code == code), None)
    if code and site is None:
        raise Http404(f"No site {code}")
    log = selectors.screening_log(request.user, view.study, site)
    return render(
        request,
        "screening/log.html",
        {
            "view": view,
            "study": view.study,
            "log": log,
            "sites": sites,
            "site": site,
            "can_screen": access.can(request.user, view.study, Action.SCREEN),
            "statuses": Candidate.Status.choices,
        },
    )


# --------------------------------------------------------------------------- register


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, key: str) -> HttpResponse:
    view = _study(request, key)
    require(request.user, view.study, Action.SCREEN)
    sites = list(access.sites_for(request.user, view.study, Action.SCREEN).order_by("code"))
    form = forms.RegisterForm(request.POST or None, sites=sites)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            site = next(s for s in sites if s.code == data.pop("site"))
            try:
                candidate = services.register_candidate(request.user, view.study, site, **data)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                return redirect("screening:candidate", key, candidate.screening_number)
        status = 400
    return render(
        request,
        "screening/register.html",
        {"view": view, "study": view.study, "form": form},
        status=status,
    )


# --------------------------------------------------------------------------- candidate


def _stored(candidate: Candidate) -> dict[str, tuple[Any, str]]:
    return {v.variable: (v.value, v.unit) for v in candidate.values.all()}


def _values_form(candidate: Candidate, data: Any = None) -> forms.ValuesForm:
    protocol = selectors.candidate_protocol(candidate)
    return forms.ValuesForm(
        data,
        fields=screening_fields(protocol),
        variables=protocol_variables(protocol),
        stored=_stored(candidate),
        candidate=candidate,
    )


def _attestation_form(candidate: Candidate, data: Any = None) -> forms.AttestationForm:
    protocol = selectors.candidate_protocol(candidate)
    elig = protocol.eligibility
    items = [
        (c.id, section, c.text)
        for section, criteria in (("inclusion", elig.inclusion), ("exclusion", elig.exclusion))
        for c in criteria
        if c.rule is None
    ]
    return forms.AttestationForm(
        data, items=items, answers=selectors.attestations_of(candidate), candidate=candidate
    )


def _consent_people(candidate: Candidate) -> list[Any]:
    roles = [r.value for r, actions in ROLE_ACTIONS.items() if Action.RECORD_CONSENT in actions]
    ids = Membership.objects.filter(
        Q(site=candidate.site) | Q(site__isnull=True), study=candidate.study, role__in=roles
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=set(ids)).order_by("username"))


def _consent_form(candidate: Candidate, data: Any = None, user: Any = None) -> forms.ConsentForm:
    version = candidate.study.versions.order_by("-sequence").first()
    assert version is not None
    form = forms.ConsentForm(
        data,
        people=_consent_people(candidate),
        default_form=services.default_form_version(version),
        candidate=candidate,
    )
    if user is not None and data is None:
        form.fields["obtained_by"].initial = user.pk
    return form


def panel_context(
    result: EligibilityResult, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the eligibility panel shows."""
    rows = [
        {
            "c": c,
            "css": STATUS_CLASS[c.status],
            "label": STATUS_LABEL[c.status],
            "values": ", ".join(f"{k} {v}" for k, v in c.values.items()),
        }
        for c in result.criteria
    ]
    for row in rows:
        c = row["c"]
        # An exclusion criterion that is "met" rules the candidate out: say so in its
        # own words and colour each decided row by what it means for eligibility.
        if c.section == "exclusion" and c.status in EXCLUSION_LABEL:
            row["label"] = EXCLUSION_LABEL[c.status]
        if c.eligible_for_criterion is not None:
            row["css"] = "met" if c.eligible_for_criterion else "not-met"
    # The outcome is shown as a heading already; the summary's "not eligible: " prefix
    # would only repeat it.
    detail = result.summary.split(": ", 1)[-1]
    return {"result": result, "rows": rows, "detail": detail, "preview_errors": errors or {}}


def _enroll_url(key: str, candidate: Candidate) -> str:
    try:
        return reverse("subjects:enroll", args=[key, candidate.screening_number])
    except NoReverseMatch:
        return ""


def _candidate_page(
    request: HttpRequest,
    view: StudyView,
    candidate: Candidate,
    status: int = 200,
    **forms_given: Any,
) -> HttpResponse:
    user = request.user
    study, site = view.study, candidate.site
    can = {
        "screen": access.can(user, study, Action.SCREEN, site),
        "attest": access.can(user, study, Action.ATTEST_ELIGIBILITY, site),
        "consent": access.can(user, study, Action.RECORD_CONSENT, site),
        "enroll": access.can(user, study, Action.ENROLL, site),
        "phi": selectors.may_see_phi(user, candidate),
    }
    ready, not_ready = selectors.ready_to_enroll(candidate)
    enroll_url = _enroll_url(view.key, candidate) if ready and can["enroll"] else ""
    context = {
        "view": view,
        "study": study,
        "candidate": candidate,
        "key": view.key,
        "can": can,
        "confirmation": selectors.active_confirmation(candidate),
        "consent_state": selectors.consent_state(candidate),
        "consents": list(candidate.consents.select_related("obtained_by", "protocol_version")),
        "values_form": forms_given.get("values_form") or _values_form(candidate),
        "attestation_form": forms_given.get("attestation_form") or _attestation_form(candidate),
        "consent_form": forms_given.get("consent_form") or _consent_form(candidate, user=user),
        "failure_form": forms_given.get("failure_form")
        or forms.ScreenFailureForm(initial={"version": candidate.version}),
        "page_error": forms_given.get("page_error", ""),
        "ready": ready,
        "not_ready": not_ready,
        "enroll_url": enroll_url,
        "is_enrolled": candidate.status == Candidate.Status.ENROLLED,
        **panel_context(services.evaluate(candidate)),
    }
    return render(request, "screening/candidate.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_detail(request: HttpRequest, key: str, number: str) -> HttpResponse:
    """The candidate page; a POST saves the screening values."""
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    if request.method == "GET":
        return _candidate_page(request, view, candidate)
    require(request.user, view.study, Action.SCREEN, candidate.site)
    form = _values_form(candidate, request.POST)
    form.is_valid()
    try:
        services.record_screening_values(
            request.user,
            candidate,
            form.changed_values(_stored(candidate)),
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except ValidationError as exc:
        forms.add_service_errors(form, exc)
        return _candidate_page(request, view, candidate, status=400, values_form=form)
    return redirect("screening:candidate", key, candidate.screening_number)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_POST
def eligibility_preview(request: HttpRequest, key: str, number: str) -> HttpResponse:
    """The criteria table for the posted, unsaved values (for htmx); writes nothing."""
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    form = _values_form(candidate, request.POST)
    result, errors = services.preview(candidate, form.raw_values())
    return render(request, "screening/_eligibility.html", panel_context(result, errors))


@login_required
@require_POST
def attest(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    require(request.user, view.study, Action.ATTEST_ELIGIBILITY, candidate.site)
    form = _attestation_form(candidate, request.POST)
    if form.is_valid():
        stored = selectors.attestations_of(candidate)
        answers = {k: v for k, v in form.answers().items() if v is not None or k in stored}
        try:
            services.record_attestations(
                request.user,
                candidate,
                answers,
                reason=form.cleaned_data.get("reason", ""),
                expected_version=_version(request),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            return redirect("screening:candidate", key, candidate.screening_number)
    return _candidate_page(request, view, candidate, status=400, attestation_form=form)


@login_required
@require_POST
def confirm(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    require(request.user, view.study, Action.ATTEST_ELIGIBILITY, candidate.site)
    try:
        services.confirm_eligibility(request.user, candidate, expected_version=_version(request))
    except ValidationError as exc:
        message = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return _candidate_page(request, view, candidate, status=400, page_error=message)
    return redirect("screening:candidate", key, candidate.screening_number)


@login_required
@require_POST
def consent(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    require(request.user, view.study, Action.RECORD_CONSENT, candidate.site)
    form = _consent_form(candidate, request.POST)
    if form.is_valid():
        people = {str(p.pk): p for p in _consent_people(candidate)}
        try:
            services.record_consent(
                request.user,
                candidate,
                consented_at=form.cleaned_data["consented_at"],
                obtained_by=people.get(form.cleaned_data["obtained_by"]),
                form_version=form.cleaned_data.get("form_version") or None,
                expected_version=_version(request),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            return redirect("screening:candidate", key, candidate.screening_number)
    return _candidate_page(request, view, candidate, status=400, consent_form=form)


@login_required
@require_POST
def screen_failure(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = _study(request, key)
    candidate = _candidate(request, view, number)
    require(request.user, view.study, Action.SCREEN, candidate.site)
    form = forms.ScreenFailureForm(request.POST)
    if form.is_valid():
        try:
            services.record_screen_failure(
                request.user,
                candidate,
                form.cleaned_data["reason"],
                expected_version=_version(request),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            return redirect("screening:candidate", key, candidate.screening_number)
    return _candidate_page(request, view, candidate, status=400, failure_form=form)
