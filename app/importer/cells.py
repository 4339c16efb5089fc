"""Reading one cell's text: refs, control measures, the response, a rating, a whole number.

Each reader returns what the text says, or None when it says nothing readable; judging
the values against the matrix is the caller's business.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

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
# A rating on another scale than a band and a score: 'L', 'M', 'H', 'L - M', 'M/H', 'Red',
# 'Amber', 'Green', 'RAG: Amber', 'Low - Medium' (a range of bands), leading the cell.
_SCALE_WORD = r"(?:L|M|H|VH|R|A|G|Red|Amber|Green|Low|Medium|High)"
_OTHER_SCALE = re.compile(
    rf"(?:RAG ?:? ?)?({_SCALE_WORD}(?: ?(?:[{DASH_CLASS}/]|to) ?{_SCALE_WORD})?)(?=$|[ .,;:()])",
    re.IGNORECASE,
)
_LETTERS = frozenset({"l", "m", "h", "vh", "r", "a", "g"})
_RAG = frozenset({"red", "amber", "green"})


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


@dataclass(frozen=True, slots=True)
class ControlsSplit:
    """The measures of a control-measures cell, and whether a comma decided any of them."""

    measures: tuple[str, ...]
    at_commas: bool


_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "no", "nos", "dept", "cllr", "mr", "mrs", "ms", "dr", "st", "vs"}
)
_JOINING_WORDS = frozenset({"and", "or", "but", "including", "which", "where", "when", "with", "so"})
_MEASURE_SEPARATORS = ";\n•▪◦"


def split_controls(text: str) -> tuple[str, ...]:
    """The control measures of a paragraph (see `controls_split`, which says how)."""
    return controls_split(text).measures


def controls_split(text: str) -> ControlsSplit:
    """The control measures of a paragraph, by one rule for every row.

    0. A cell that puts each measure on its own line or bullet (a Word cell of several
       paragraphs, a spreadsheet cell, riskreg's own export) is split at its lines only.
    1. Otherwise, ';' always ends a measure.
    2. A full stop ending a sentence (followed by a space and a capital or a digit, and not
       after an abbreviation such as 'e.g.' or an initial) ends a measure.
    3. A comma ends a measure too, unless what follows it up to the next comma is one or two
       words ('race, gender, age'), or starts with a joining word ('and', 'or', 'including',
       'which', ...): such an item, and the item after a list that ends it ('area of residence
       and household income'), stay in the measure before them.
    Nothing inside parentheses or brackets splits. Each measure is trimmed of whitespace,
    bullets and a trailing '.' or ','. `at_commas` says whether rule 3 split the cell: a comma
    also separates the words of one measure, so such a split is a guess for a person to check.
    """
    if "\n" in text.strip() or any(bullet in text for bullet in "•▪◦"):
        # A cell that puts each measure on its own line (or bullet) is split there only.
        lines = (
            _BULLET.sub("", clean_text(m)).strip(" ,;").rstrip(" .,;") for m in re.split(r"[\n•▪◦]", text)
        )
        return ControlsSplit(tuple(m for m in lines if m), False)
    sentences: list[str] = []
    current: list[str] = []
    depth = 0
    length = len(text)
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if depth == 0 and (
            char in _MEASURE_SEPARATORS or (char == "." and _ends_sentence(text, index, length))
        ):
            sentences.append("".join(current))
            current = []
        else:
            current.append(char)
    sentences.append("".join(current))
    measures: list[str] = []
    at_commas = False
    for sentence in sentences:
        pieces = _comma_pieces(sentence)
        at_commas = at_commas or len(pieces) > 1
        measures.extend(pieces)
    trimmed = (_BULLET.sub("", clean_text(m)).strip(" ,").rstrip(" .,") for m in measures)
    kept = tuple(m for m in trimmed if m)
    return ControlsSplit(kept, at_commas and len(kept) > 1)


def _ends_sentence(text: str, index: int, length: int) -> bool:
    """Whether the '.' at `index` ends a sentence: a space, then a capital or a digit, follows it,
    and the word before it is no abbreviation or initial."""
    after = index + 1
    if after >= length or not text[after].isspace():
        return False
    while after < length and text[after] in " \t":
        after += 1
    if after >= length or not (text[after].isupper() or text[after].isdigit()):
        return False
    start = index
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:index].casefold()
    return bool(word) and word not in _ABBREVIATIONS and not (len(word) == 1 and word.isalpha())


def _comma_pieces(sentence: str) -> list[str]:
    """A sentence split at its commas outside parentheses, short list items kept together (rule 3)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in sentence:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    pieces: list[str] = []
    in_list = False
    for part in parts:
        words = part.split()
        if not words:
            continue
        short = len(words) <= 2
        ends_list = in_list and (" and " in f" {part} " or " or " in f" {part} ")
        joins = words[0] in _JOINING_WORDS  # ', and in year reviews ...' goes on the measure before
        if pieces and (short or ends_list or joins):
            pieces[-1] = f"{pieces[-1]},{part}"
            in_list = short
        else:
            pieces.append(part)
            in_list = False
    return pieces


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


def read_other_scale(text: str, bands: frozenset[str]) -> tuple[str, str] | None:
    """A rating on another scale than the matrix's and the rest of its cell, or None.

    'L - M No Project Initiation Document required.' gives ('L - M', 'No Project ...').
    A single letter must be a capital (so 'a' starting a sentence is no rating); a band of
    the matrix on its own ('Low', 'Low - 4') is the matrix's scale, not another, but a range
    of two bands ('Low - Medium') is another. `bands` are the matrix's band names, casefolded.
    """
    cleaned = clean_text(text)
    found = _OTHER_SCALE.match(cleaned)
    if found is None:
        return None
    rating = found.group(1)
    words = [w.casefold() for w in re.split(rf" ?(?:[{DASH_CLASS}/]|to) ?", rating)]
    if any(w in _LETTERS for w in words) and not all(
        w.upper() == w for w in re.split(rf" ?(?:[{DASH_CLASS}/]|to) ?", rating) if w.casefold() in _LETTERS
    ):
        return None
    if len(words) == 1 and words[0] in bands:
        return None  # a band of the matrix, with or without its score
    published = read_rating(cleaned)
    if published is not None and published.score is not None:
        return None  # a band and a score ('Amber - 6'): read as published, the band judged by the caller
    if len(words) == 2 and all(w in bands for w in words) and read_rating(cleaned) is not None:
        return None  # 'Low - 4' is read by read_rating; 'Low - Medium' is a range
    if len(words) == 1 and words[0] not in _LETTERS and words[0] not in _RAG:
        return None
    rest = cleaned[found.end() :].strip(" .,;:")
    return rating, rest


_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name
}
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_UK_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})")
_WORDS_DAY = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)? )?([A-Za-z]{3,9})\.? (\d{4})")


def read_day(text: str) -> date | None:
    """A date as plans and spreadsheets print it: '2022-03-31', '31/03/2022', '31/3/22',
    '31 March 2022', 'Mar 2022' (the month's last day); None for anything else."""
    cleaned = clean_text(text)
    try:
        if found := _ISO_DAY.fullmatch(cleaned):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        if found := _UK_DAY.fullmatch(cleaned):
            year = int(found.group(3))
            return date(year + 2000 if year < 100 else year, int(found.group(2)), int(found.group(1)))
        if (found := _WORDS_DAY.fullmatch(cleaned)) and found.group(2).casefold() in _MONTHS:
            year, month = int(found.group(3)), _MONTHS[found.group(2).casefold()]
            day = int(found.group(1)) if found.group(1) else calendar.monthrange(year, month)[1]
            return date(year, month, day)
    except ValueError:
        return None
    return None


def split_actions(text: str) -> tuple[str, ...]:
    """The actions of an action cell: one a line, or separated by ';' (never by commas)."""
    pieces = re.split(r"[;\n•▪◦]", text)
    trimmed = (_BULLET.sub("", clean_text(p)).strip(" ,").rstrip(" .,") for p in pieces)
    return tuple(p for p in trimmed if p)


def read_whole_number(text: str) -> int | None:
    """The number of a score cell: '2' or '2 (Unlikely)' gives 2; anything else None."""
    found = _NUMBER.match(clean_text(text))
    return int(found.group(1)) if found else None
