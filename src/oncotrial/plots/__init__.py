"""Plots oncology papers use (matplotlib): Kaplan–Meier, waterfall, spider and swimmer
plots, AE bars by grade and the CONSORT flow diagram."""
