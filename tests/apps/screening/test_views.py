from __future__ import annotations

import pytest
from django.urls import reverse

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening import services
from oncotrial.apps.screening.models import Candidate, EligibilityConfirmation
from tests.apps.sarcoma_values import COMPLETE

from .conftest import attest_all

pytestmark = pytest.mark.django_db

KEY = "anlotinib_toripalimab_sts"


def page(candidate, name="candidate"):
    return reverse(f"screening:{name}", args=[KEY, candidate.screening_number])


def logged_in(client, user):
    client.force_login(user)
    return client


def test_pages_need_login(client, candidate):
    for url in [reverse("screening:log", args=[KEY]), page(candidate)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_register_page_creates_a_candidate_and_shows_field_errors(client, coordinator):
    logged_in(client, coordinator)
    url = reverse("screening:register", args=[KEY])

    form = client.get(url)
    bad = client.post(url, {"site": "SH01", "screening_date": "2099-01-01", "sex": "male"})
    good = client.post(url, {"site": "SH01", "screening_date": "2025-03-03", "initials": "ZH"})

    assert form.status_code == 200
    assert b'<label for="id_screening_date">' in form.content
    assert bad.status_code == 400
    assert b"The screening date cannot be in the future." in bad.content
    assert good.status_code == 302
    assert good["Location"] == reverse("screening:candidate", args=[KEY, "S-SH01-001"])
    assert Candidate.objects.get().initials == "ZH"


def test_register_page_is_forbidden_to_a_statistician(client, staff):
    response = logged_in(client, staff["statistician"]).get(
        reverse("screening:register", args=[KEY])
    )
    assert response.status_code == 403


def test_candidate_page_builds_the_form_from_the_protocol(client, candidate, investigator):
    response = logged_in(client, investigator).get(page(candidate))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_ecog">ECOG performance status' in html
    assert '<select name="anc__unit"' in html
    assert "/mm3" in html
    assert '<select name="brain_metastases"' in html
    assert "treated stable" in html
    assert 'hx-post="' + page(candidate, "preview") in html
    assert "htmx" in html
    assert "<script" in html
    assert "Wang Lei" in html
    assert "Confirm eligibility" in html
    assert "Investigator&#x27;s checklist" in html or "Investigator's checklist" in html


def test_saving_values_on_the_page(client, candidate, coordinator):
    logged_in(client, coordinator)
    data = {"version": candidate.version, "ecog": "3", "anc": "1500", "anc__unit": "/mm3"}

    response = client.post(page(candidate), data)

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.SCREEN_FAILED
    shown = client.get(page(candidate)).content.decode()
    assert "ecog 3 &gt; 2" in shown or "ecog 3 > 2" in shown


def test_bad_values_on_the_page_give_field_errors_and_change_nothing(
    client, candidate, coordinator
):
    before = AuditRecord.objects.count()

    response = logged_in(client, coordinator).post(
        page(candidate), {"version": 1, "anc": "1.5", "anc__unit": "g/L", "ecog": "2.5"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_anc_error"' in html
    assert "g/L is not a unit of absolute neutrophil count" in html
    assert 'id="id_ecog_error"' in html
    assert not candidate.values.exists()
    assert AuditRecord.objects.count() == before


def test_a_stale_form_is_refused_on_the_page(client, candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"ecog": (1, None)})

    response = logged_in(client, coordinator).post(page(candidate), {"version": 1, "anc": "2"})

    assert response.status_code == 400
    assert b"changed by someone else" in response.content
    assert not candidate.values.filter(variable="anc").exists()


def test_the_live_panel_evaluates_unsaved_values_and_writes_nothing(client, candidate, coordinator):
    before = AuditRecord.objects.count()

    response = logged_in(client, coordinator).post(
        page(candidate, "preview"),
        {"age": "72", "age__unit": "years", "ecog": "1", "anc": "x"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "age 72 years is above the maximum of 70" in html
    assert "Not met" in html
    assert "Awaiting attestation" in html
    assert "Missing data" in html
    assert "anc: Enter a number" in html
    assert not candidate.values.exists()
    assert AuditRecord.objects.count() == before


def test_investigator_attests_and_confirms_on_the_page(
    client, candidate, coordinator, investigator
):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    logged_in(client, investigator)
    checklist = services.checklist_ids(services.selectors.candidate_protocol(candidate))

    answered = client.post(
        page(candidate, "attest"), {"version": candidate.version, **dict.fromkeys(checklist, "yes")}
    )
    candidate.refresh_from_db()
    confirmed = client.post(page(candidate, "confirm"), {"version": candidate.version})

    assert answered.status_code == 302
    assert confirmed.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.ELIGIBLE
    html = client.get(page(candidate)).content.decode()
    assert "Confirmed by sts_investigator" in html


def test_a_coordinator_cannot_confirm_on_the_page(client, candidate, coordinator, investigator):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    attest_all(investigator, candidate)
    before = AuditRecord.objects.count()

    response = logged_in(client, coordinator).post(page(candidate, "confirm"), {})
    html = client.get(page(candidate)).content.decode()

    assert response.status_code == 403
    assert EligibilityConfirmation.objects.count() == 0
    assert AuditRecord.objects.count() == before
    assert "Confirm eligibility</button>" not in html


def test_confirming_too_early_shows_why(client, candidate, investigator):
    response = logged_in(client, investigator).post(page(candidate, "confirm"), {"version": 1})

    assert response.status_code == 400
    assert b"Eligibility cannot be confirmed: incomplete" in response.content


def test_consent_form_and_the_enroll_button(client, candidate, coordinator, investigator):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    attest_all(investigator, candidate)
    services.confirm_eligibility(investigator, candidate)
    logged_in(client, coordinator)

    bad = client.post(page(candidate, "consent"), {"consented_at": "yesterday"})
    good = client.post(
        page(candidate, "consent"),
        {
            "consented_at": "2025-03-03T09:30",
            "obtained_by": str(investigator.pk),
            "version": candidate.version,
        },
    )

    assert bad.status_code == 400
    assert b'id="id_consented_at_error"' in bad.content
    assert good.status_code == 302, good.content.decode()[:3000]
    html = client.get(page(candidate)).content.decode()
    assert "Valid: consent form 1.0" in html
    try:
        enroll = reverse("subjects:enroll", args=[KEY, candidate.screening_number])
    except Exception:  # the enrollment page is not there
        assert ">Enroll</button>" not in html
    else:
        assert f'action="{enroll}"' in html
        assert ">Enroll</button>" in html


def test_screen_failure_on_the_page(client, candidate, coordinator):
    logged_in(client, coordinator)

    empty = client.post(page(candidate, "screen-failure"), {"reason": ""})
    done = client.post(page(candidate, "screen-failure"), {"reason": "Declined participation"})

    assert empty.status_code == 400
    assert b'id="id_reason_error"' in empty.content
    assert done.status_code == 302
    log = client.get(reverse("screening:log", args=[KEY])).content.decode()
    assert "Declined participation" in log


@pytest.mark.parametrize(
    ("role", "phi"),
    [("investigator", True), ("monitor", True), ("data_manager", False), ("statistician", False)],
)
def test_phi_on_the_page(client, candidate, staff, role, phi):
    html = logged_in(client, staff[role]).get(page(candidate)).content.decode()

    assert ("Wang Lei" in html) is phi
    assert ("1970-05-17" in html) is phi
    if not phi:
        assert "Not shown to your role" in html
        assert "Save values</button>" not in html


def test_another_sites_candidate_is_404_on_every_page(client, candidate, other_site_staff):
    logged_in(client, other_site_staff["investigator"])
    before = AuditRecord.objects.count()

    assert client.get(page(candidate)).status_code == 404
    for name in ["candidate", "preview", "attest", "confirm", "consent", "screen-failure"]:
        assert client.post(page(candidate, name), {"reason": "x", "ecog": "1"}).status_code == 404
    log = client.get(reverse("screening:log", args=[KEY])).content.decode()
    assert candidate.screening_number not in log
    assert AuditRecord.objects.count() == before
    candidate.refresh_from_db()
    assert candidate.version == 1


def test_log_with_site_filter(client, candidate, other_candidate, staff):
    logged_in(client, staff["data_manager"])

    both = client.get(reverse("screening:log", args=[KEY])).content.decode()
    one = client.get(reverse("screening:log", args=[KEY]) + "?site=BJ02").content.decode()
    missing = client.get(reverse("screening:log", args=[KEY]) + "?site=NOPE")

    assert candidate.screening_number in both
    assert other_candidate.screening_number in both
    assert candidate.screening_number not in one
    assert other_candidate.screening_number in one
    assert missing.status_code == 404
    assert "Register a candidate" not in both


def test_a_user_outside_the_study_gets_404(client, candidate, django_user_model):
    stranger = django_user_model.objects.create(username="stranger")
    logged_in(client, stranger)

    assert client.get(reverse("screening:log", args=[KEY])).status_code == 404
    assert client.get(page(candidate)).status_code == 404
