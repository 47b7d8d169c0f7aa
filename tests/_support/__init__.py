"""Helpers shared by the whole test suite (plain code; the fixtures are in tests/conftest.py)."""
