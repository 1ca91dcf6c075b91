"""Fault tests: real processes killed, frozen and raced."""
