"""Field types shared by the request and response schemas."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)
from typing_extensions import TypeAliasType

from app.config import LATEST_DATE, get_settings
from app.scoring import ORANGE_BOOK

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Each choice is a TypeAliasType: one named component of the OpenAPI document (so a generated
# client has one `RiskResponse`, not one enum per field), and a plain string in Python.
RiskResponse = TypeAliasType(
    "RiskResponse",
    Annotated[
        Literal["tolerate", "treat", "terminate", "transfer"],
        Field(description="how the council answers the risk"),
    ],
)
RiskStatus = TypeAliasType(
    "RiskStatus", Annotated[Literal["open", "closed"], Field(description="whether the risk is still open")]
)
StatusFilter = TypeAliasType(
    "StatusFilter",
    Annotated[Literal["open", "closed", "all"], Field(description="which risks a list holds, by status")],
)
Direction = TypeAliasType(
    "Direction",
    Annotated[
        Literal["new", "up", "down", "unchanged", "closed"],
        Field(description="direction of travel of the score since the previous review"),
    ],
)
Basis = TypeAliasType(
    "Basis",
    Annotated[
        Literal["residual", "inherent"],
        Field(description="which assessment scores the risk: residual (after controls) or inherent"),
    ],
)
ActionStatus = TypeAliasType(
    "ActionStatus",
    Annotated[
        Literal["planned", "in_progress", "done", "cancelled"],
        Field(description="where an action stands; done and cancelled actions are never overdue"),
    ],
)
ImportAction = TypeAliasType(
    "ImportAction",
    Annotated[
        Literal["create", "review", "update", "exists", "older", "duplicate", "closed"],
        Field(
            description="what an import does with a plan's row: create the risk, give the risk it matches "
            "the plan's assessment as its next review, change its title/consequence/owner as of the plan's "
            "date, or nothing (exists: known as of that date already; older: the plan is older than the "
            "register; duplicate: an earlier row is the same risk; closed: the risk is closed)"
        ),
    ],
)
ImportVerdict = TypeAliasType(
    "ImportVerdict",
    Annotated[
        Literal["clean", "findings"],
        Field(description="clean, or findings a person must resolve (riskreg import exits 0 or 1)"),
    ],
)
#: A risk category as sent: a name of the council's list, which is data (the Orange Book's by
#: default, RISKREG_CATEGORIES_FILE otherwise), so the routes check it against the list in force.
Category = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40),
    Field(description="one of GET /api/v1/categories"),
]
#: The default list (the Orange Book's); the list in force is the app's (app.config.categories_in_force).
CATEGORIES: tuple[str, ...] = ORANGE_BOOK
#: The names the schemas use.
Response = RiskResponse
Status = RiskStatus


def clean_text(value: str) -> str:
    """NFC-normalise and drop control characters (NUL included; tab and newlines stay).

    PostgreSQL cannot store NUL in text, and no council document means one, so both
    databases store the same cleaned text.
    """
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def _strip(value: str) -> str:
    return clean_text(value).strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


# What a register or report can show, and no more: every write is kept four times (the
# risk, its controls, the review, the audit trail) and every report draws all of it.
#: A post, a name: an owner, a reviewer.
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_strip)]
#: An action's owner: a post, never blank (every action has someone answering for it).
Owner = Annotated[str, StringConstraints(max_length=200), AfterValidator(_strip), AfterValidator(_not_blank)]
#: A risk's title ("nature of risk").
RequiredText = Annotated[
    str, StringConstraints(max_length=500), AfterValidator(_strip), AfterValidator(_not_blank)
]
#: A service's name (its column holds 200 characters).
Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_strip), AfterValidator(_not_blank)]
#: A consequence, review notes: a paragraph or a few.
LongText = Annotated[str, StringConstraints(max_length=4_000), AfterValidator(_strip)]
#: An action's description, a progress note: a paragraph or a few, never blank.
RequiredLongText = Annotated[
    str, StringConstraints(max_length=4_000), AfterValidator(_strip), AfterValidator(_not_blank)
]
#: One control measure (legacy plans run a risk's measures into one paragraph).
Control = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2_000),
    AfterValidator(_strip),
    AfterValidator(_not_blank),
]
#: A risk's control measures.
Controls = Annotated[list[Control], Field(max_length=50)]
#: An email address (its domain normalised); the column holds 254 characters, the longest an address may be.
ContactEmail = Annotated[EmailStr, StringConstraints(max_length=254)]
Ref = Annotated[
    str,
    StringConstraints(min_length=1, max_length=20, pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9 ._/-]*\s*$"),
    AfterValidator(lambda v: re.sub(r"\s+", "", v).upper()),
]
ServiceCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=10, pattern=r"^[A-Za-z][A-Za-z0-9]*$"),
    AfterValidator(str.upper),
]


def _iso_day(value: object) -> object:
    """Dates arrive as ISO 8601 text (YYYY-MM-DD) only: pydantic would read 0 or "1700000000" as a timestamp."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _in_accepted_years(value: date) -> date:
    """A day between the deployment's earliest date (RISKREG_EARLIEST_DATE) and LATEST_DATE.

    Nothing in a council's register predates it, and a day at either end of the calendar
    would overflow the date arithmetic of periods, as_of and due dates.
    """
    earliest = get_settings().earliest_date  # read at request time: the deployment's setting
    if not earliest <= value <= LATEST_DATE:
        raise ValueError(f"must lie between {earliest.isoformat()} and {LATEST_DATE.isoformat()}")
    return value


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A calendar day as a client sends it, within the years the deployment accepts.
Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_in_accepted_years)]

_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")


def _iso_moment(value: object) -> object:
    """A moment arrives as ISO 8601 text; an unencoded `+01:00` in a query string arrives as ` 01:00`."""
    if isinstance(value, datetime):
        return value
    text = value.replace(" ", "+") if isinstance(value, str) else None
    if text is None or not _ISO_MOMENT.match(text):
        raise ValueError("must be an ISO 8601 timestamp with its offset, e.g. 2025-10-14T09:00:00+01:00")
    return text


def _recorded_moment(value: datetime) -> datetime:
    """A moment with an offset, in the accepted years and not in the future, in UTC."""
    if value.utcoffset() is None:
        raise ValueError("must carry its offset (Z or +01:00): a time without one is no moment")
    earliest = get_settings().earliest_date
    # Checked on the day before converting: a zone applied at the calendar's ends overflows.
    if not earliest <= value.date() <= LATEST_DATE:
        raise ValueError(f"must lie between {earliest.isoformat()} and {LATEST_DATE.isoformat()}")
    moment = value.astimezone(UTC)
    if moment > datetime.now(UTC):
        raise ValueError("must not be in the future")
    return moment


#: A moment as a client sends it (ISO 8601 with its offset), not in the future, as UTC.
Moment = Annotated[datetime, BeforeValidator(_iso_moment), AfterValidator(_recorded_moment)]


class StrictModel(BaseModel):
    """A request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class PublicModel(BaseModel):
    """A response body. Its validator and serializer are built on first use, not at import.

    Request bodies (StrictModel) are built at import: FastAPI builds their validators
    inside a filter for a pydantic warning about its body alias, which a deferred build
    would print at the first request instead.
    """

    model_config = ConfigDict(defer_build=True)


class AssessmentIn(StrictModel):
    """A likelihood x impact assessment as sent; the matrix in force validates it."""

    likelihood: Annotated[int, Field(strict=True, description="a likelihood level of the matrix")]
    impact: Annotated[int, Field(strict=True, description="an impact level of the matrix")]


class AssessmentOut(PublicModel):
    """A scored assessment (read from an `app.scoring.Assessment` as it is)."""

    model_config = ConfigDict(defer_build=True, from_attributes=True)

    likelihood: int | None = Field(
        description="null (with impact) for a rating kept as a legacy plan published it ('Low - 4'): "
        "band and score, likelihood and impact unknown"
    )
    impact: int | None = Field(description="null (with likelihood) for a rating kept as published")
    score: int
    band: str
