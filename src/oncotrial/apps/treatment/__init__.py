"""Treatment given: administrations, surgery, end of treatment, next-line therapy."""
