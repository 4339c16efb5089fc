"""Reading one cell's text: refs, control measures, the response, a rating, a whole number.

Each reader returns what the text says, or None when it says nothing readable; judging
the values against the matrix is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Hyphen, en dash and em dash, escaped for a regex character class: the plans use any of them.
DASH_CLASS = r"\-\u2013\u2014"
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

_REF_PART = re.compile(r"^([A-Za-z]{1,6})\s*[-.]?\s*(\d{1,4})$")
_REF_TOKEN = r"[A-Z]{2,5} ?\d{2,3}"
_BULLET = re.compile(r"^(?:[•·▪◦*]|-(?=\s))\s*")
_NUMBER = re.compile(r"^(\d+)(?:\s*\([^()]*\))?$")
_BAND = r"[A-Za-z][A-Za-z ]*?"
_RATING_BAND_FIRST = re.compile(rf"^(?P<band>{_BAND})\s*(?:[{DASH_CLASS}:=]+\s*|\(\s*)?(?P<score>\d+)\s*\)?$")
_RATING_SCORE_FIRST = re.compile(
    rf"^(?P<score>\d+)\s*(?:[{DASH_CLASS}:=]+\s*|\(\s*)?(?P<band>{_BAND})\s*\)?$"
)
_RATING_BAND_ONLY = re.compile(rf"^(?P<band>{_BAND})$")


def clean_text(text: str) -> str:
    """The text on one line with runs of whitespace made one space."""
    return " ".join(text.split())


def read_refs(text: str) -> tuple[str, ...]:
    """The refs of a ref cell, main ref first: 'CP06/ ST05' gives ('CP06', 'ST05')."""
    refs: list[str] = []
    for part in re.split(r"[/,;&]", text):
        found = _REF_PART.match(part.strip())
        ref = f"{found.group(1).upper()}{found.group(2)}" if found else "".join(part.split())
        if ref and ref not in refs:
            refs.append(ref)
    return tuple(refs)


def split_leading_refs(text: str, service_code: str | None) -> tuple[tuple[str, ...], str]:
    """Refs that lead a risk description, and the description without them.

    'XY 02 Loss of the payroll contract' gives (('XY02',), 'Loss of the payroll contract').
    A ref is two to five capitals and two or three digits (so 'CO2 emissions' is no ref),
    or the service code and one to three digits.
    """
    token = _REF_TOKEN if not service_code else rf"(?:{_REF_TOKEN}|{re.escape(service_code)} ?\d{{1,3}})"
    pattern = rf"^(?P<refs>{token}(?:\s*/\s*{token})*)(?:\s*[{DASH_CLASS}:.]\s*|\s+)(?P<rest>\S.*)$"
    found = re.match(pattern, text)
    if found is None:
        return (), text
    return read_refs(found.group("refs")), found.group("rest").strip()


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
    if rating.isdigit():
        return Rating(None, int(rating))
    for pattern in (_RATING_BAND_FIRST, _RATING_SCORE_FIRST):
        found = pattern.match(rating)
        if found:
            return Rating(clean_text(found.group("band")), int(found.group("score")))
    band_only = _RATING_BAND_ONLY.match(rating)
    return Rating(clean_text(band_only.group("band")), None) if band_only else None


def read_whole_number(text: str) -> int | None:
    """The number of a score cell: '2' or '2 (Unlikely)' gives 2; anything else None."""
    found = _NUMBER.match(clean_text(text))
    return int(found.group(1)) if found else None
