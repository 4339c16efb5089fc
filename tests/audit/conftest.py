"""Fixtures of the audit tests."""

from tests.access.command import riskreg  # noqa: F401
