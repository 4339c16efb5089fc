"""User text made printable in a report: what no renderer can draw or store is removed.

One definition for every report format (HTML, PDF, XLSX, CSV, the heat map). It is not
the API's input check (app/fields.py) nor the importer's cell reading: those decide what
may be stored; this decides what a report can print of what was stored.
"""

from __future__ import annotations

import re

# C0 and C1 control characters except tab and newline; DEL; lone surrogates (they cannot
# be encoded as UTF-8, so they would crash any writer); non-characters.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """User text without NUL, control characters (but tab and newline) or lone surrogates."""
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
