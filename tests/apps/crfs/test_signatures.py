"""Electronic signatures: signing a form, a visit and a casebook with the password and a
meaning; a wrong password is refused, nothing is signed and the attempt is audited;
changing signed data invalidates the signatures that cover it."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.crfs import signatures
from oncotrial.apps.crfs.models import ItemValue, Signature

from .audit_helpers import audit_written

SIGNATURE_CREATE = [("crfs.signature", f, "create") for f in signatures.SIGNATURE_FIELDS]
MEANING = signatures.DEFAULT_MEANINGS["form"]


@pytest.fixture
def world(dm_world):
    return dm_world


def _sign(world, scope="form", user=None, password=None, **target):
    if scope == "form" and not target:
        target = {"form_instance": world.form}
    if scope == "visit" and not target:
        target = {"visit": world.visit}
    return signatures.sign(
        user or world.investigator,
        world.subject,
        scope,
        password=password or world.password,
        meaning=MEANING,
        **target,
    )


def test_sign_form_records_name_time_meaning_and_hash(world):
    world.investigator.first_name, world.investigator.last_name = "Mei", "Zhang"
    world.investigator.save()
    with audit_written() as written:
        signature = _sign(world)
    assert signature.printed_name == "Mei Zhang"
    assert signature.meaning == MEANING
    assert signature.signed_at.utcoffset().total_seconds() == 0
    expected = json.dumps(
        [
            {
                "form_instance": world.form.pk,
                "form_id": "baseline_history",
                "repeat_index": 1,
                "visit": "baseline#1",
                "items": {
                    "height": {"value": 170, "unit": ""},
                    "weight": {"value": 71, "unit": ""},
                },
            }
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    assert signature.content_hash == hashlib.sha256(expected.encode()).hexdigest()
    assert written.fields() == SIGNATURE_CREATE
    status = signatures.signature_status(signature, check_content=True)
    assert status.valid
    assert status.content_matches
    assert status.label == "valid"


def test_printed_name_falls_back_to_username(world):
    assert _sign(world).printed_name == world.investigator.username


def test_wrong_password_is_refused_nothing_signed_attempt_audited(world):
    with audit_written() as written, pytest.raises(signatures.SignatureRefused) as exc:
        _sign(world, password="not-my-password")
    assert exc.value.message_dict == {"password": [signatures.WRONG_PASSWORD]}
    assert not Signature.objects.exists()
    assert [(r.entity, r.entity_id, r.field, r.reason) for r in written.records] == [
        ("crfs.signature", "", "attempt", "failed signature attempt")
    ]
    assert written.records[0].username == world.investigator.username
    assert "wrong password" in written.records[0].new_value


@pytest.mark.parametrize("role", ["coordinator", "data_manager", "monitor", "other_investigator"])
def test_roles_that_may_not_sign(world, role):
    with audit_written() as written, pytest.raises(PermissionDenied):
        _sign(world, user=getattr(world, role))
    assert not Signature.objects.exists()
    assert written.records == []


def test_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        signatures.sign(world.investigator, world.subject, "visit", password="", meaning=" ")
    assert set(exc.value.message_dict) == {"visit", "password", "meaning"}
    with pytest.raises(ValidationError) as exc:
        _sign(world, form_instance=world.other_form)
    assert set(exc.value.message_dict) == {"form_instance"}
    empty_visit = world.subject.visits.exclude(pk=world.visit.pk).first()
    with pytest.raises(ValidationError) as exc:
        _sign(world, "visit", visit=empty_visit)
    assert "no data" in exc.value.message_dict["scope"][0]
    assert not Signature.objects.exists()


def test_direct_change_invalidates_covering_signatures(world):
    other_visit_form = world.make_form(
        world.subject, world.subject.visits.exclude(pk=world.visit.pk).first(), "labs", alt=30
    )
    form_sig = _sign(world)
    visit_sig = _sign(world, "visit")
    casebook_sig = _sign(world, "casebook")
    other_form_sig = _sign(world, form_instance=other_visit_form)

    item = ItemValue.objects.get(form_instance=world.form, item_id="weight")
    item.value = 72
    item.save()
    # the data no longer match, even before anyone invalidated
    assert not signatures.signature_status(form_sig, check_content=True).valid
    with audit_written() as written:
        invalidated = signatures.invalidate_for(
            world.form, "Weight corrected", user=world.coordinator
        )
    assert {s.pk for s in invalidated} == {form_sig.pk, visit_sig.pk, casebook_sig.pk}
    assert (
        written.fields()
        == [
            ("crfs.signature", "invalidated_at", "update"),
            ("crfs.signature", "invalidated_reason", "update"),
        ]
        * 3
    )
    assert {r.username for r in written.records} == {world.coordinator.username}
    for signature in (form_sig, visit_sig, casebook_sig):
        signature.refresh_from_db()
        status = signatures.signature_status(signature)
        assert not status.valid
        assert status.label == "invalidated"
        assert status.invalidated_at is not None
        assert status.reason == "Weight corrected"
    other_form_sig.refresh_from_db()
    assert signatures.signature_status(other_form_sig, check_content=True).valid
    # nothing left to invalidate
    with audit_written() as written:
        assert signatures.invalidate_for(world.form, "again") == []
    assert written.records == []
    # signing again gives a new valid signature over the new data
    again = _sign(world)
    assert again.content_hash != form_sig.content_hash
    assert signatures.signature_status(again, check_content=True).valid


def test_save_form_invalidates_signature(world):
    services = pytest.importorskip("oncotrial.apps.crfs.services")
    if not hasattr(services, "save_form"):
        pytest.skip("form entry not written yet")
    signature = _sign(world)
    services.save_form(
        world.coordinator,
        world.subject,
        "baseline_history",
        {"weight": 72, "height": 170},
        visit=world.visit,
        expected_version=world.form.version,
        reason="Transcription error",
        partial=True,
    )
    signature.refresh_from_db()
    status = signatures.signature_status(signature)
    assert not status.valid
    assert status.invalidated_at is not None
    assert status.reason


def test_signatures_for_lists_subject_signatures(world):
    first = _sign(world)
    second = _sign(world, "casebook")
    assert list(signatures.signatures_for(world.subject)) == [second, first]
    assert list(signatures.signatures_for(world.other_subject)) == []
