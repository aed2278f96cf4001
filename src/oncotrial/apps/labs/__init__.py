"""Laboratory results with units, normal ranges and xULN."""
