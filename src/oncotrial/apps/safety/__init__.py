"""Adverse events and serious adverse event reporting (CTCAE)."""
