"""Screening values shared by tests of the sarcoma trial (seed 002)."""

from __future__ import annotations

COMPLETE = {
    "age": (54, "years"),
    "ecog": (1, None),
    "life_expectancy": (12, "months"),
    "measurable_disease": (True, None),
    "anc": (2.1, "10^9/L"),
    "platelets": (180, "10^9/L"),
    "hemoglobin": (12.5, "g/dL"),
    "bilirubin": (0.8, "xULN"),
    "alt": (1.0, "xULN"),
    "ast": (1.1, "xULN"),
    "liver_metastases": (False, None),
    "creatinine": (0.9, "xULN"),
    "sex": ("male", None),
    "contraception_agreed": (True, None),
    "prior_anlotinib": (False, None),
    "prior_anti_pd1_pdl1": (False, None),
    "other_malignancy_5y": (False, None),
    "worst_unresolved_toxicity_grade": (1, None),
    "brain_metastases": ("none", None),
    "days_since_major_surgery": (60, "days"),
    "days_since_incisional_biopsy": (30, "days"),
    "days_since_significant_trauma": (365, "days"),
    "active_infection": (False, None),
    "unexplained_fever": (False, None),
    "days_since_last_trial_drug": (90, "days"),
}
"""Screening values of a candidate who meets every computable criterion of the sarcoma
trial: {variable: (value, unit)}."""
