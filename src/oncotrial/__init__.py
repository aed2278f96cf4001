"""oncotrial: run investigator-initiated oncology clinical trials."""

__version__ = "0.1.0"
