"""A complete, valid `baseline_history` form of the sirolimus trial (seed 000), shared by
the case report form tests."""

from __future__ import annotations

FORM = "baseline_history"
BASELINE = {
    "height": 172.5,
    "weight": 68,
    "pathology": "pdac",
    "ajcc_edition": "8",
    "t_stage": "T3",
    "n_stage": "N1",
    "m_stage": "M1",
    "metastatic_sites": ["liver", "peritoneum"],
    "prior_resection": False,
    "prior_lines": 2,
    "hypertension": False,
    "hypercholesterolaemia": False,
    "diabetes": True,
}
