"""The council's risk categories: data beside the matrix, the Orange Book's list by default.

A deployment replaces the list with a TOML file (RISKREG_CATEGORIES_FILE) holding one key,
`categories`, a list of names; it is read and checked once, at start.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from app.scoring.matrix import ScoringError

#: The example list of HM Treasury's Orange Book: the default.
ORANGE_BOOK: tuple[str, ...] = (
    "strategy",
    "governance",
    "operations",
    "legal",
    "property",
    "financial",
    "commercial",
    "people",
    "technology",
    "information",
    "security",
    "project",
    "reputational",
)
#: A category is stored on the risk row (40 characters) and named in query strings.
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_CATEGORIES = 100


class CategoriesError(ScoringError):
    """A categories file that cannot be used."""


def load_categories(path: str | Path) -> tuple[str, ...]:
    """Read and check a categories file (TOML); CategoriesError says what is wrong with it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CategoriesError(f"cannot read categories file {file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CategoriesError(f"categories file {file} is not UTF-8 text") from exc
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CategoriesError(f"categories file {file} is not valid TOML: {exc}") from exc
    return checked_categories(mapping.get("categories"), source=f"categories file {file}")


def checked_categories(value: object, source: str = "categories") -> tuple[str, ...]:
    """The list as a tuple, if it is one: 1 to 100 distinct lower-case names (a-z, 0-9, _ and -)."""
    if not isinstance(value, list) or not value:
        raise CategoriesError(f"{source}: `categories` must be a non-empty list of names")
    if len(value) > MAX_CATEGORIES:
        raise CategoriesError(f"{source}: at most {MAX_CATEGORIES} categories, not {len(value)}")
    for name in value:
        if not isinstance(name, str) or not _NAME.match(name):
            raise CategoriesError(
                f"{source}: category {name!r} must be lower-case letters, digits, _ or -, "
                "starting with a letter, at most 40 characters"
            )
    repeated = sorted({name for name in value if value.count(name) > 1})
    if repeated:
        raise CategoriesError(f"{source}: category {repeated[0]!r} is listed twice")
    return tuple(value)
