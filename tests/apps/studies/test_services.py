from __future__ import annotations

import hashlib

import pytest

from oncotrial.apps.studies import selectors
from oncotrial.apps.studies.models import ProtocolVersion, Study
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.domain.protocol import Protocol, ProtocolError, load_protocol

pytestmark = pytest.mark.django_db


def test_first_load_creates_the_study_and_version_1(protocol_file, user):
    result = load_protocol_file(protocol_file, user=user)

    assert result.outcome == "created"
    study = Study.objects.get()
    assert (study.key, study.nct_id) == ("demo_ildr", "NCT09999999")
    assert study.title.startswith("Low-dose intestinal radiotherapy")
    version = ProtocolVersion.objects.get()
    assert (version.study, version.sequence, version.label) == (study, 1, "1.0")
    assert version.source_name == "demo_trial.yaml"
    assert version.loaded_by == user
    assert version.loaded_at.utcoffset().total_seconds() == 0
    text = protocol_file.read_text(encoding="utf-8")
    assert version.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert version.protocol["id"] == "demo_ildr"
    assert version.protocol["eligibility"]["exclusion"][1]["rule"]["any"][0]["field"] == "pregnant"


def test_reloading_the_same_file_changes_nothing(protocol_file):
    first = load_protocol_file(protocol_file)
    again = load_protocol_file(protocol_file)

    assert again.outcome == "unchanged"
    assert again.version.pk == first.version.pk
    assert ProtocolVersion.objects.count() == 1
    assert "unchanged" in again.description


def test_a_changed_file_adds_version_2_and_becomes_current(protocol_file, edited_protocol):
    load_protocol_file(protocol_file)
    changed = edited_protocol(
        ('version: "1.0"', 'version: "1.1"'),
        ("brief_title: Low-dose", "brief_title: Amended low-dose"),
    )

    result = load_protocol_file(changed)

    assert result.outcome == "new_version"
    assert [v.sequence for v in selectors.version_history(result.study)] == [2, 1]
    current = selectors.get_study("demo_ildr")
    assert current.version.label == "1.1"
    assert current.study.title.startswith("Amended low-dose")


def test_an_invalid_file_raises_with_its_problems_and_stores_nothing(edited_protocol):
    broken = edited_protocol(
        ("rule: {field: ecog,", "rule: {field: ecog_score,"),
        ("masking: none", "masking: sometimes"),
    )

    with pytest.raises(ProtocolError) as caught:
        load_protocol_file(broken)

    message = str(caught.value)
    assert str(broken) in message
    assert "design.masking" in message
    assert Study.objects.count() == 0
    assert ProtocolVersion.objects.count() == 0


def test_an_invalid_new_version_leaves_the_current_one(protocol_file, edited_protocol):
    load_protocol_file(protocol_file)
    broken = edited_protocol(("target: 30}", "target: -1}"))

    with pytest.raises(ProtocolError, match=r"identification\.enrollment\.target"):
        load_protocol_file(broken)

    assert ProtocolVersion.objects.count() == 1
    assert selectors.get_study("demo_ildr").version.sequence == 1


def test_a_missing_file_is_a_protocol_error(tmp_path):
    with pytest.raises(ProtocolError, match="cannot read the file"):
        load_protocol_file(tmp_path / "nope.yaml")


def test_selectors_return_the_protocol_revalidated_from_json(loaded_study, protocol_file):
    view = selectors.get_study(loaded_study.key)

    assert isinstance(view.protocol, Protocol)
    assert view.protocol == load_protocol(protocol_file)
    assert [v.key for v in selectors.list_studies()] == ["demo_ildr"]


def test_get_study_of_an_unknown_key_raises():
    with pytest.raises(Study.DoesNotExist):
        selectors.get_study("nothing_here")
