"""Errors of endpoint derivation."""

from __future__ import annotations


class UnsupportedEndpoint(ValueError):
    """The protocol declares an endpoint this module cannot derive."""


class InvalidRecord(ValueError):
    """A subject record holds data derivation cannot use (e.g. an unknown response code)."""
