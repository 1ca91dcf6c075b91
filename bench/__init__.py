"""Benchmarks: seeding and measurement scripts (run by hand, never asserted in tests)."""
