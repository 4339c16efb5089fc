"""User text made printable in every report format."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

from app.reports.printable import printable


def test_printable_removes_control_characters_but_keeps_lines():
    assert printable("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert printable("one\r\ntwo\rthree\nfour\tfive") == "one\ntwo\nthree\nfour\tfive"
    assert printable("lone \ud800 surrogate") == "lone  surrogate"
    assert printable("Council’s “plan” – £2m") == "Council’s “plan” – £2m"
