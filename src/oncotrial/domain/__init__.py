"""Pure clinical-trial logic: no Django, no I/O beyond what callers pass in."""
