"""The study report: the protocol's endpoints computed live from the captured data, with
the tables and plots oncology papers use. Statisticians see de-identified data only."""
