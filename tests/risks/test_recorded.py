"""A risk's fields as recorded at a moment, read back from its audit entries (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.risks.recorded import fields_at


def at(hour: int) -> datetime:
    return datetime(2025, 10, 14, hour, tzinfo=UTC)


CREATED = (
    at(9),
    None,
    {"ref": "CP01", "title": "First", "owner": "A", "controls": ["c1"], "response": "treat"},
)


def test_a_field_changed_after_the_moment_is_its_value_then() -> None:
    renamed = (at(12), {"title": "First", "version": 1}, {"title": "Second", "version": 2})
    again = (at(13), {"title": "Second", "version": 2}, {"title": "Third", "version": 3})
    assert fields_at([CREATED, renamed, again], at(10))["title"] == "First"
    assert fields_at([CREATED, renamed, again], at(12))["title"] == "Second"
    assert fields_at([CREATED, renamed, again], at(14))["title"] == "Third"


def test_without_a_creation_entry_the_first_change_after_says_the_value_then() -> None:
    """An imported risk has no creation entry of its own."""
    renamed = (at(12), {"owner": "A"}, {"owner": "B"})
    reowned = (at(13), {"owner": "B"}, {"owner": "C"})
    assert fields_at([renamed, reowned], at(10)) == {"owner": "A"}
    assert fields_at([renamed, reowned], at(12)) == {"owner": "B"}
    assert fields_at([renamed], at(10)).keys() == {"owner"}
    assert fields_at([], at(10)) == {}


def test_a_field_never_changed_keeps_the_creations_value() -> None:
    renamed = (at(12), {"title": "First"}, {"title": "Second"})
    then = fields_at([CREATED, renamed], at(10))
    assert (then["owner"], then["controls"], then["response"]) == ("A", ["c1"], "treat")


def test_bookkeeping_in_entries_is_no_field() -> None:
    closed = (at(12), {"status": "open", "version": 1}, {"status": "closed", "version": 2, "late": True})
    assert fields_at([closed], at(10)) == {}
