"""Data files shipped with the code (e.g. the common-password list)."""
