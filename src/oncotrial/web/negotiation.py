"""Choosing how the REST API answers (DRF content negotiation).

Clients of the API send ``Accept: application/json`` with every call; DRF's negotiation
parses the header into media types and weighs them against each renderer on every
request. A header that names exactly one renderer's media type, with no ``?format=``,
is answered by that renderer at once: the choice DRF's negotiation makes for it.
Every other request is negotiated by DRF.
"""

from __future__ import annotations

from collections.abc import Sequence

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self,
        request: Request,
        renderers: Sequence[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "")
        if not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            for renderer in renderers:
                if "*" in renderer.media_type or ";" in renderer.media_type:
                    break
                if renderer.media_type == accept:
                    return renderer, accept
        return super().select_renderer(request, renderers, format_suffix)  # type: ignore[no-any-return]
