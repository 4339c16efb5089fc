"""Fixtures of the audit tests: the command runner, and settings that hold an audit key."""

import pytest

from app.config import Settings
from tests.access.command import riskreg  # noqa: F401

#: The key the audit tests sign anchors with (RISKREG_AUDIT_KEY).
AUDIT_KEY = "test-audit-key-0123456789abcdef"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The shared test settings, with an audit key."""
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        warm_up_reports=False,
        audit_key=AUDIT_KEY,
        _env_file=None,  # type: ignore[call-arg]
    )
