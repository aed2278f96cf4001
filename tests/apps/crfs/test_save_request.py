"""The body of a CRF save: the bodies `save_request_data` takes as they are come out as
`FormSaveSerializer` validates them, and every other body gets the serializer's errors."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from oncotrial.apps.crfs.api import FormSaveSerializer, save_request_data

TAKEN_AS_THEY_ARE = [
    {"values": {"weight": 71.5}, "expected_version": 3, "reason": "Corrected after SDV."},
    {"values": {}, "expected_version": 0},
    {"values": {"symptoms": None, "prior_regimens": ["folfirinox"]}, "expected_version": 12},
    {"values": {"weight": 70}, "expected_version": 1, "reason": "  padded reason \n"},
    {"values": {"weight": 70}, "expected_version": 1, "reason": "   "},
    {"values": {"weight": 70}, "expected_version": 1, "partial": True},
    {"values": {"weight": 70}, "expected_version": 1, "units": {}},
    {"values": {"weight": 70}, "expected_version": 1, "original": {"weight": 69.0}},
    {"values": {"nested": {"a": [1, 2]}}, "expected_version": 2, "original": {}},
]


def _by_serializer(body: Any) -> dict[str, Any]:
    given = FormSaveSerializer(data=body)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


@pytest.mark.parametrize("body", TAKEN_AS_THEY_ARE)
def test_a_body_of_the_documented_shape_is_read_as_the_serializer_reads_it(body):
    assert save_request_data(body) == _by_serializer(body)


@pytest.mark.parametrize(
    "body",
    [
        {"values": {"weight": 70}, "expected_version": "4"},
        {"values": {"weight": 70}, "expected_version": 1, "units": {"weight": " lb "}},
        {"values": {"weight": 70}, "expected_version": 1, "unknown": "ignored"},
        {"values": {"weight": 70}, "expected_version": 1, "reason": 5},
        {"values": {"weight": 70}, "expected_version": 1, "units": {"weight": 3}},
    ],
)
def test_other_valid_bodies_go_through_the_serializer(body):
    # the serializer's conversions (text to number, number to text, trimmed units)
    assert save_request_data(body) == _by_serializer(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"values": {"weight": 70}}, "expected_version"),
        ({"values": {"weight": 70}, "expected_version": -1}, "expected_version"),
        ({"values": {"weight": 70}, "expected_version": True}, "expected_version"),
        ({"values": {"weight": 70}, "expected_version": 1.5}, "expected_version"),
        ({"expected_version": 1}, "values"),
        ({"values": [70], "expected_version": 1}, "values"),
        ({"values": {"weight": 70}, "expected_version": 1, "reason": "a\x00b"}, "reason"),
        ({"values": {"weight": 70}, "expected_version": 1, "reason": "a\ud800b"}, "reason"),
        ({"values": {"weight": 70}, "expected_version": 1, "partial": "maybe"}, "partial"),
        ({"values": {"weight": 70}, "expected_version": 1, "original": [1]}, "original"),
        ({"values": {"weight": 70}, "expected_version": 1, "units": {"weight": None}}, "units"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(body, field):
    with pytest.raises(ValidationError) as refused:
        save_request_data(body)
    assert field in refused.value.detail
    with pytest.raises(ValidationError) as by_serializer:
        _by_serializer(body)
    assert refused.value.detail == by_serializer.value.detail
