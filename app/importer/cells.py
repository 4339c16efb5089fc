"""Reading one cell's text: refs, control measures, the response, a rating, a whole number.

Each reader returns what the text says, or None when it says nothing readable; judging
the values against the matrix is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Hyphen, en dash and em dash, escaped for a regex character class: the plans use any of them.
DASH_CLASS = r"\-\u2013\u2014"
_DESCRIPTION_MARKS = "-\u2013\u2014:."
RESPONSES = ("tolerate", "treat", "terminate", "transfer")
_RESPONSE_WORDS = {
    "tolerate": "tolerate",
    "tolerated": "tolerate",
    "tolerating": "tolerate",
    "treat": "treat",
    "treated": "treat",
    "treating": "treat",
    "terminate": "terminate",
    "terminated": "terminate",
    "terminating": "terminate",
    "transfer": "transfer",
    "transferred": "transfer",
    "transferring": "transfer",
}

# Every pattern here matches in time linear in its text: no two alternatives or adjacent
# quantifiers can match the same character, so a failed match never retries a split of it.
_REF_PART = re.compile(r"^([A-Za-z]{1,6})\s*(?:[-.]\s*)?(\d{1,4})$")
_REF_SEPARATORS = re.compile(r"[/,;&]")
# A ref leading a description: two to five capitals and two or three digits, the digits not cut short.
_LEADING_REF = re.compile(r"[A-Z]{2,5} ?\d{2,3}(?!\d)")
_SPACE = re.compile(r"\s*")
_BULLET = re.compile(r"^(?:[•·▪◦*]|-(?=\s))\s*")
# A whole number has at most nine digits: int() of a longer run is slow and no plan prints one.
_NUMBER = re.compile(r"^(\d{1,9})(?:\s*\([^()]*\))?$")
# A rating is read from cleaned text (single spaces): a band is letters and single spaces
# ending in a letter, so it and the spaces around it never compete for a character.
_BAND = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_SCORE = re.compile(r"\d{1,9}")
_BEFORE_SCORE = re.compile(rf" ?(?:[{DASH_CLASS}:=]+ ?|\( ?)?(\d{{1,9}}) ?\)?")
_SCORE_BEFORE_BAND = re.compile(rf"(\d{{1,9}}) ?(?:[{DASH_CLASS}:=]+ ?|\( ?)?")
_CLOSE = re.compile(r" ?\)?")
_SHOWN = 200  # characters of a cell a message quotes


def shown(text: str) -> str:
    """Text of the document as a message quotes it: cut to a few lines' length."""
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def clean_text(text: str) -> str:
    """The text on one line with runs of whitespace made one space."""
    return " ".join(text.split())


def read_refs(text: str) -> tuple[str, ...]:
    """The refs of a ref cell, main ref first: 'CP06/ ST05' gives ('CP06', 'ST05')."""
    refs: list[str] = []
    for part in _REF_SEPARATORS.split(text):
        found = _REF_PART.match(part.strip())
        ref = f"{found.group(1).upper()}{found.group(2)}" if found else "".join(part.split())
        if ref and ref not in refs:
            refs.append(ref)
    return tuple(refs)


def split_leading_refs(text: str, service_code: str | None) -> tuple[tuple[str, ...], str]:
    """Refs that lead a risk description, and the description without them.

    'XY 02 Loss of the payroll contract' gives (('XY02',), 'Loss of the payroll contract').
    A ref is two to five capitals and two or three digits (so 'CO2 emissions' is no ref),
    or the service code and one to three digits. Refs are separated by '/'; the description
    follows a space, or a dash, ':' or '.'.
    """
    ends: list[int] = []  # where each leading ref ends
    start = 0
    while (end := _leading_ref_end(text, start, service_code)) is not None:
        ends.append(end)
        slash = _after_space(text, end)
        if not text.startswith("/", slash):
            break
        start = _after_space(text, slash + 1)
    # A description stops at a line break (one at the very end aside), as '.*$' did.
    last_break = text.rfind("\n", 0, len(text) - 1)
    for end in reversed(ends):  # the most refs first, as a greedy pattern would take them
        rest = _description_start(text, end)
        if rest is not None and rest > last_break:
            return read_refs(text[:end]), text[rest:].strip()
    return (), text


def _leading_ref_end(text: str, start: int, service_code: str | None) -> int | None:
    """Where the ref at `start` ends, or None when no ref starts there."""
    found = _LEADING_REF.match(text, start)
    if found is None and service_code:
        found = re.compile(rf"{re.escape(service_code)} ?\d{{1,3}}(?!\d)").match(text, start)
    return found.end() if found else None


def _after_space(text: str, position: int) -> int:
    """The position of the first character at or after `position` that is not whitespace."""
    found = _SPACE.match(text, position)
    return found.end() if found else position


def _description_start(text: str, end: int) -> int | None:
    """Where the description after refs ending at `end` starts: after a dash, ':' or '.', or after spaces."""
    after = _after_space(text, end)
    if after < len(text) and text[after] in _DESCRIPTION_MARKS:
        start = _after_space(text, after + 1)
        if start < len(text):
            return start
    return after if end < after < len(text) else None


def split_controls(text: str) -> tuple[str, ...]:
    """The control measures of a paragraph, split on ';' when it has any, else on ','.

    Separators inside parentheses do not split; a line break (from a <br>) always does.
    Each measure is trimmed of whitespace, bullets and trailing '.' or ','.
    """
    paragraph = text.replace("\n", ";")
    separator = ";" if ";" in paragraph else ","
    measures: list[str] = []
    current: list[str] = []
    depth = 0
    for char in paragraph:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if char == separator and depth == 0:
            measures.append("".join(current))
            current = []
        else:
            current.append(char)
    measures.append("".join(current))
    trimmed = (_BULLET.sub("", clean_text(m)).rstrip(" .,") for m in measures)
    return tuple(m for m in trimmed if m)


def read_response(text: str) -> str | None:
    """One of the four Ts for 'Treat', 'tolerated', 'Transferring' ...; None for anything else."""
    word = clean_text(text).strip(" .,;:!").casefold()
    return _RESPONSE_WORDS.get(word)


@dataclass(frozen=True, slots=True)
class Rating:
    """A published rating such as 'Low - 4': the band as printed and the score."""

    band: str | None
    score: int | None


def read_rating(text: str) -> Rating | None:
    """The band and score of 'Low - 4' (any dash), 'Very High 12', '6 (Medium)', 'High' or '8'; else None."""
    rating = clean_text(text)
    if _SCORE.fullmatch(rating):
        return Rating(None, int(rating))
    band = _BAND.match(rating)
    if band is not None:
        if band.end() == len(rating):
            return Rating(band.group(), None)
        score = _BEFORE_SCORE.fullmatch(rating, band.end())
        return Rating(band.group(), int(score.group(1))) if score else None
    score = _SCORE_BEFORE_BAND.match(rating)
    band = _BAND.match(rating, score.end()) if score else None
    if score is None or band is None or not _CLOSE.fullmatch(rating, band.end()):
        return None
    return Rating(band.group(), int(score.group(1)))


def read_whole_number(text: str) -> int | None:
    """The number of a score cell: '2' or '2 (Unlikely)' gives 2; anything else None."""
    found = _NUMBER.match(clean_text(text))
    return int(found.group(1)) if found else None
