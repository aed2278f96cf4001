"""How the REST API answers a refused write to a clinical table: 400 with messages per
field, 409 for a change made from a stale copy, 423 for locked data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.subjects.api import field_errors

T = TypeVar("T")


class ConflictError(APIException):
    """A 409 whose body keeps its types (versions are numbers, not text)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.body = body


class LockedError(APIException):
    status_code = status.HTTP_423_LOCKED
    default_code = "locked"


def perform(write: Callable[[], T]) -> T:
    """Run a service call; turn its refusals into API errors."""
    try:
        return write()
    except RecordConflict as exc:
        raise ConflictError(
            {
                "detail": str(exc),
                "expected_version": exc.expected,
                "current_version": exc.current,
                "current_values": exc.current_values,
            }
        ) from exc
    except Locked as exc:
        raise LockedError({"detail": exc.text, "lock": [exc.text]}) from exc
    except ValidationError as exc:
        raise field_errors(exc) from exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, except that a conflict answers with its body as built."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ConflictError):
        response.data = exc.body
    return response
