"""CDISC ODM and SDTM mapping (pure)."""
