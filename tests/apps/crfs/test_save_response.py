"""The form a save answers with is the form as it is then stored.

`PUT …/forms/<form>/` builds its answer from the rows the save wrote instead of reading
the form again, and the API writes forms out without a serializer per item. Both are
checked here against the plain way: after each kind of save (a change that invalidates
a signature, a value that opens a query, a partial save with required items empty,
answers that show and hide items, a save that changes nothing), the answer equals a
GET of the form right after, and that GET equals `FormDetailSerializer` over `form_for`.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from oncotrial.apps.crfs import selectors, signatures
from oncotrial.apps.crfs.api import FormDetailSerializer
from tests.apps.crfs.sirolimus_form import BASELINE

pytestmark = pytest.mark.django_db


class FormClient:
    def __init__(self, world) -> None:
        self.world = world
        self.client = APIClient()
        self.client.force_authenticate(world.coordinator)
        self.url = (
            f"/api/studies/{world.study.key}/subjects/{world.subject.subject_number}"
            f"/forms/baseline_history/?visit={world.visit.pk}"
        )

    def read(self) -> dict:
        response = self.client.get(self.url)
        assert response.status_code == 200, response.content
        return response.json()

    def read_through_serializer(self) -> dict:
        entry = selectors.form_for(
            self.world.coordinator,
            self.world.study,
            self.world.subject.subject_number,
            "baseline_history",
            self.world.visit.pk,
        )
        return json.loads(JSONRenderer().render(FormDetailSerializer(entry).data))

    def save(self, values: dict, reason: str = "", partial: bool = False) -> dict:
        body = {
            "values": values,
            "expected_version": self.read()["version"],
            "reason": reason,
            "partial": partial,
        }
        response = self.client.put(self.url, body, format="json")
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["form"] == self.read() == self.read_through_serializer()
        return answer


def _sign(world):
    form = world.form
    form.refresh_from_db()
    return signatures.sign(
        world.investigator,
        world.subject,
        "form",
        form_instance=form,
        password=world.password,
        meaning=signatures.DEFAULT_MEANINGS["form"],
    )


def test_each_save_answers_with_the_form_a_fresh_read_returns(dm_world):
    forms = FormClient(dm_world)

    # the partly filled form, completed: a required item still empty is refused, so the
    # first save is partial
    answer = forms.save({"pathology": "pdac"}, partial=True)
    assert answer["form"]["status"] == "in_progress"
    assert "t_stage" in answer["form"]["missing_required"]

    answer = forms.save({key: value for key, value in BASELINE.items() if key != "weight"}, "Typo")
    assert answer["form"]["status"] == "complete"

    # a signed form: the change invalidates the signature
    _sign(dm_world)
    assert forms.read()["signed"] is True
    answer = forms.save({"height": 171.0}, reason="Measured again")
    assert answer["form"]["signed"] is False
    assert answer["changed_items"] == ["height"]

    # a value outside its expected range opens a query
    answer = forms.save({"weight": 130}, reason="Re-weighed")
    assert answer["form"]["status"] == "open_queries"
    assert answer["form"]["open_queries"] == 1
    assert [query["item_id"] for query in answer["raised_queries"]] == ["weight"]

    # answers that show one item and hide another (its value is dropped, with a notice)
    answer = forms.save(
        {"pathology": "other", "pathology_other": "Acinar cell", "m_stage": "M0"},
        reason="Pathology report",
    )
    items = {item["id"]: item for item in answer["form"]["items"]}
    assert items["pathology_other"]["visible"] is True
    assert items["metastatic_sites"]["visible"] is False
    assert "metastatic_sites" not in answer["form"]["values"]
    assert [notice["item_id"] for notice in answer["notices"]] == ["metastatic_sites"]
    # no query raised by this save: the open one is counted with the save's writes
    assert answer["raised_queries"] == []
    assert answer["form"]["open_queries"] == 1

    # a save that changes nothing, on a signed form: still signed
    _sign(dm_world)
    answer = forms.save({"pathology_other": "Acinar cell"})
    assert answer["changed_items"] == []
    assert answer["form"]["signed"] is True
    assert answer["form"]["status"] == "open_queries"


@pytest.mark.parametrize(
    ("values", "partial"),
    [
        ({"pathology": "pdac"}, True),
        (BASELINE, False),
        ({**BASELINE, "weight": 130}, False),
        ({**BASELINE, "pathology": "other", "pathology_other": "Mixed", "m_stage": "M0"}, False),
    ],
)
def test_a_save_answers_as_a_fresh_read_and_as_the_serializer(dm_world, values, partial):
    answer = FormClient(dm_world).save(values, reason="Source data verified", partial=partial)
    assert answer["changed_items"]


def test_a_form_not_started_reads_as_the_serializer_writes_it(dm_world):
    forms = FormClient(dm_world)
    dm_world.form.items.all().delete()
    dm_world.form.delete()
    read = forms.read()
    assert read["version"] == 0
    assert read["status"] == "not_started"
    assert read == forms.read_through_serializer()
