"""Errors raised while reading registry records."""

from __future__ import annotations


class RecordError(ValueError):
    """A registry record that cannot be read; names the file and says why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")
