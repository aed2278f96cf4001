"""What a request reads again and again, read once per request.

A page or API call checks the user's roles several times (the study, the site, the
action), and every write checks the study's locks; within one request these are read
once (the services that change memberships or locks forget what was remembered). The
study with its current protocol is kept too. Outside a request (services called from the
command line or tests) nothing is cached unless the caller asks for it (`remembering`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_cache: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("request_cache", default=None)


def remembered(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """`compute()`, or its value from earlier in the same request."""
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def remember(key: tuple[Any, ...], value: Any) -> None:
    """Keep `value` under `key` for the rest of the request (nothing outside one)."""
    cache = _cache.get()
    if cache is not None:
        cache[key] = value


def recall(key: tuple[Any, ...]) -> Any:
    """What the request remembered under `key`, or None."""
    cache = _cache.get()
    return None if cache is None else cache.get(key)


def forget() -> None:
    """Drop what the current request remembered (after a change of memberships)."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


@contextmanager
def remembering() -> Iterator[None]:
    """Remember for the duration, as within one web request (for work outside a request,
    such as a simulated candidate)."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


class RequestCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with remembering():
            return self.get_response(request)
