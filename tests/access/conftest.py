"""Fixtures of the access tests."""

from tests.access.command import riskreg  # noqa: F401
