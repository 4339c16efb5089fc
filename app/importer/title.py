"""Finding a plan's title line: the service's name and the plan's period.

The title reads '<NAME> SERVICE PLAN <yyyy> - <yyyy>', possibly in markdown bold or as a
heading, spread over up to four consecutive lines ('COMMUNITY PARTNERSHIPS' / 'SERVICE PLAN' /
'2021 - 2024'), with a hyphen, an en dash or a slash between the years ('2008/09'), and
possibly followed by a state such as '- DRAFT'. A line 'Service Plan: <Name> <yyyy>-<yyyy>'
(as above a risk register) is used when there is no such title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.importer.cells import DASH_CLASS

# Lines are matched cleaned (single spaces, no space at either end), so a space in a pattern
# is one literal space. The name's lazy repeat is bounded (81 characters), the only repeat
# that can compete with what follows it: each pattern does a bounded amount of work per line.
_YEARS = rf"(?P<start>\d{{4}}) ?(?:[{DASH_CLASS}/]|to) ?(?P<end>\d{{2}}(?:\d{{2}})?)"
_NAME = r"(?P<name>[A-Za-z][A-Za-z&',.()\- ]{0,80}?)"
# A draft's title ends '- DRAFT' (or 'Draft', 'Final', 'Version 2'): the state is not part of the period.
_STATE = rf"(?: ?[{DASH_CLASS}(]? ?(?:draft|final|version \d{{1,3}}(?:\.\d{{1,3}})?|v\d{{1,3}}(?:\.\d{{1,3}})?)\)?)?"
_TITLE = re.compile(rf"^{_NAME} SERVICE PLAN(?: ?[:,{DASH_CLASS}]? ?{_YEARS})?{_STATE}$", re.IGNORECASE)
# The most lines a title is spread over ('COMMUNITY PARTNERSHIPS' / 'SERVICE PLAN' / '2021 - 2024').
_TITLE_LINES = 4
_HEADED = re.compile(rf"^SERVICE PLAN ?[:{DASH_CLASS}] ?{_NAME} {_YEARS}$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "to", "&"})


@dataclass(frozen=True, slots=True)
class Title:
    """The service and period a plan's title names."""

    line: int
    service_name: str
    start_year: int | None
    end_year: int | None

    @property
    def period(self) -> str | None:
        """The period as 'yyyy-yyyy', or None when the title gives none."""
        if self.start_year is None or self.end_year is None:
            return None
        return f"{self.start_year}-{self.end_year}"


def find_title(lines: list[str]) -> Title | None:
    """The plan's title, or None when no line reads like one."""
    clean = [_clean(line) for line in lines]
    for index, line in enumerate(clean):
        if not line or len(line) > 200:
            continue
        single = _TITLE.match(line)
        if single and single.group("start"):
            return _title(index, single)
        joined = _joined_title(clean, index)
        if joined is not None:
            return _title(index, joined)
        if single and _is_title(single):
            return _title(index, single)
    for index, line in enumerate(clean):
        headed = _HEADED.match(line)
        if headed:
            return _title(index, headed)
    return None


def _joined_title(clean: list[str], index: int) -> re.Match[str] | None:
    """The title that starts on line `index` and runs over the next lines (none blank), the
    longest first; None when no such run reads as a title with a period, or when a later line
    of the run is a whole title by itself."""
    run: list[str] = []
    for line in clean[index : index + _TITLE_LINES]:
        if not line or len(line) > 200:
            break
        run.append(line)
    if len(run) < 2:
        return None
    for later in run[1:]:
        if _is_title(_TITLE.match(later)):
            return None
    for size in range(len(run), 1, -1):
        found = _TITLE.match(" ".join(run[:size]))
        if found and _is_title(found):
            return found
    return None


def initials(service_name: str) -> str:
    """The service code made of the name's initials: 'Corporate Services' gives 'CS'."""
    words = [w for w in _WORD.findall(service_name) if w.casefold() not in _SMALL_WORDS]
    return "".join(w[0].upper() for w in words)


def _clean(line: str) -> str:
    text = line.replace("**", " ").replace("__", " ").strip()
    return " ".join(text.lstrip("#").split())


def _is_title(found: re.Match[str] | None) -> bool:
    """A title gives the period, or is in capitals (so 'the service plan' in a sentence is none)."""
    return found is not None and (found.group("start") is not None or found.group(0).isupper())


def _title(index: int, found: re.Match[str]) -> Title:
    name = _title_case(found.group("name").strip(" -,"))
    if found.group("start") is None:
        return Title(index + 1, name, None, None)
    start = int(found.group("start"))
    end_text = found.group("end")
    end = int(end_text) if len(end_text) == 4 else start // 100 * 100 + int(end_text)
    if end < start and len(end_text) == 2:
        end += 100
    return Title(index + 1, name, start, end)


def _title_case(name: str) -> str:
    """'COMMUNITY PARTNERSHIPS' gives 'Community Partnerships'; a name in mixed case is kept."""
    if not name.isupper():
        return name
    words = []
    for position, word in enumerate(name.split()):
        if position and word.casefold() in _SMALL_WORDS:
            words.append(word.casefold())
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)
