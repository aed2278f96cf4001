"""Tumour assessments: lesions, measurements and RECIST responses."""
