"""ClinicalTrials.gov records in and out (pure)."""
