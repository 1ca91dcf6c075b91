"""Test support: real servers, factories, helpers."""
