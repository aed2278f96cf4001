from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/studies/", "/studies/demo_ildr/"])
def test_pages_need_login(client, loaded_study, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_root_redirects_to_the_study_list(client, user):
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("studies:list")


def test_login_page_renders_and_logs_in(client, user):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content

    response = client.post(reverse("login"), {"username": "reader", "password": "a-long-pass-123"})

    assert response.status_code == 302
    assert response["Location"] == reverse("studies:list")


def test_study_list_shows_the_loaded_protocol(client, user, loaded_study):
    client.force_login(user)

    response = client.get(reverse("studies:list"))

    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "Low-dose intestinal radiotherapy with immunotherapy after progression",
        "NCT09999999",
        "Phase 2",
        "Recruiting",
        ">30<",
        "1.0",
        'href="/studies/demo_ildr/"',
        '<th scope="col">NCT id</th>',
    ):
        assert expected in html, expected


def test_study_list_when_empty(client, user):
    client.force_login(user)

    response = client.get(reverse("studies:list"))

    assert "No studies yet" in response.content.decode()


def test_study_page_shows_the_protocol(client, user, loaded_study):
    client.force_login(user)

    response = client.get(reverse("studies:detail", args=["demo_ildr"]))

    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        # design
        "Non randomized",
        "Parallel",
        # arms and interventions
        "Group 3: 3 Gy",
        "1 Gy per fraction, 1 fraction per week, total 1–3 Gy, to the jejunum and ileum",
        "200 mg",
        "Intravenous",
        "every 3 weeks until progression or unacceptable toxicity",
        # eligibility
        "18–70 years",
        "ECOG ≤ 2",
        "ANC ≥ 1.5 ×10^9/L and Bilirubin ≤ 1.5 × ULN",
        "Investigator checklist",
        "Pregnant: yes or Breast-feeding: yes",
        # schedule
        "First radiotherapy fraction",
        "Day 42",
        "±7 d",
        "every 6 weeks until progression or death",
        "every 3 months from first radiotherapy fraction until death or end of study",
        # endpoints
        "Disease control rate",
        "RECIST 1.1, unconfirmed responses, at 6 months",
        "PFS2: time from first radiotherapy fraction to progression or death",
        "CTCAE v5.0, treatment-related only",
        # sample size, forms, assumptions, history
        "Exploratory phase II; 10 per group.",
        "Bristol stool scale",
        "The seed gives no imaging interval",
        "demo_trial.yaml",
        "current",
    ):
        assert expected in html, expected
    assert html.count('class="dot"') == 6  # 5 visit cells + 1 follow-up


def test_unknown_study_is_404(client, user):
    client.force_login(user)

    assert client.get("/studies/nothing_here/").status_code == 404


def test_a_study_without_a_role_is_neither_listed_nor_reachable(
    client, django_user_model, loaded_study
):
    outsider = django_user_model.objects.create_user(username="outsider", password="x-long-pw-1")
    client.force_login(outsider)

    listing = client.get(reverse("studies:list")).content.decode()
    page = client.get(reverse("studies:detail", args=["demo_ildr"]))

    assert "demo_ildr" not in listing
    assert page.status_code == 404
