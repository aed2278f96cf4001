"""Biospecimens and their chain of custody."""
