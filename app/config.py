"""Settings, read once from the environment (prefix RISKREG_) or a .env file."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.scoring import ORANGE_BOOK, Matrix, default_matrix, load_categories, load_matrix

#: No date after this one is accepted: far from the calendar's end, so that a day added
#: or a time zone applied never overflows.
LATEST_DATE = date(2999, 12, 31)


#: An issuer riskreg may sign people in with: HTTPS, or plain HTTP on this machine alone (tests).
_ISSUER = re.compile(r"^(https://[^/\s?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(/[^\s?#]*)?$")
_SERVICE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}$")


class GroupGrant(BaseModel):
    """What membership of one group of the sign-in provider gives: a role and, for an editor,
    the services it may change (RISKREG_OIDC_GROUPS)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["admin", "editor", "auditor"]
    services: tuple[str, ...] = ()

    @field_validator("services")
    @classmethod
    def _service_codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if not _SERVICE_CODE.match(code):
                raise ValueError(
                    f"{code!r} is not a service code (a letter, then letters or digits, 10 at most)"
                )
        return tuple(sorted({code.upper() for code in codes}))

    @model_validator(mode="after")
    def _services_fit_the_role(self) -> GroupGrant:
        if self.role == "editor" and not self.services:
            raise ValueError('an editor group must name the services it may change, e.g. "services": ["CP"]')
        if self.role != "editor" and self.services:
            raise ValueError(f"an {self.role} sees every service: give its group no services")
        return self


class Settings(BaseSettings):
    """Every setting riskreg reads; see the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="RISKREG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///riskreg.sqlite3",
        description="SQLAlchemy URL: sqlite:///FILE (default) or postgresql+psycopg://...",
    )
    matrix_file: Path | None = Field(
        default=None, description="TOML matrix replacing the default 4x4 (see docs/matrix-5x5.toml)"
    )
    categories_file: Path | None = Field(
        default=None,
        description="TOML list of risk categories replacing the Orange Book's (see docs/categories.toml)",
    )
    earliest_date: date = Field(
        default=date(2000, 1, 1), description="the earliest day a review, period or query may name"
    )
    late_after_days: int = Field(
        default=31,
        ge=0,
        description="a review or status change recorded more days than this after its date is late",
    )
    review_interval_months: int = Field(
        default=6, ge=1, le=36, description="months to the next review for a band whose matrix sets none"
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="larger bodies get 413")
    max_import_bytes: int = Field(default=5_000_000, ge=1024)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL|EXTRA)$")
    pool_size: int = Field(default=10, ge=1, description="PostgreSQL connection pool size")
    migrate_on_start: bool = Field(default=True, description="run alembic upgrade head at start")
    max_concurrent_reports: int = Field(
        default=2, ge=1, description="register and six-monthly documents drawn at once by one process"
    )
    report_queue_seconds: float = Field(
        default=30.0, gt=0, description="how long a report waits for a free slot before 503"
    )
    secure_cookies: bool = Field(
        default=False,
        description="mark the sign-in cookie Secure (HTTPS only); on when TLS ends at a proxy in front",
    )
    public_origin: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+$",
        description="the origin people reach the pages at, e.g. https://risks.council.gov.uk "
        "(default: the request's own Host); sign-in forms posted from elsewhere get 403",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="the key that signs the pages' session cookie and their forms' CSRF tokens "
        "(default: a random key per process, so sessions end when it restarts; set it when more "
        "than one worker or server serves the pages)",
    )
    session_hours: float = Field(
        default=8.0, gt=0, le=24 * 30, description="how long a signed-in browser stays signed in"
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="the OpenID Connect provider people sign in with, e.g. "
        "https://login.microsoftonline.com/<tenant id>/v2.0 (none: token sign-in only)",
    )
    oidc_client_id: str | None = Field(default=None, description="riskreg's client (application) id there")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="riskreg's client secret there (none: a public client, PKCE alone)"
    )
    oidc_scopes: str = Field(default="openid profile email", description="the scopes asked for")
    oidc_groups_claim: str = Field(
        default="groups", min_length=1, description="the ID token claim that lists a person's groups"
    )
    oidc_groups: Annotated[dict[str, GroupGrant], NoDecode] = Field(
        default_factory=dict,
        description='JSON: group id -> {"role": "admin|editor|auditor", "services": [codes]}; '
        "several groups combine (the highest role, every service); a person in none is refused",
    )
    audit_key: SecretStr | None = Field(
        default=None,
        description="the key that signs and checks audit anchors (`riskreg audit anchor`); "
        "keep it outside the database and its backups",
    )
    smtp_host: str | None = Field(
        default=None, description="the SMTP server `riskreg remind` sends through (none: it cannot send)"
    )
    smtp_port: int = Field(default=587, ge=1, le=65_535, description="the SMTP server's port")
    smtp_starttls: bool = Field(default=True, description="upgrade the SMTP connection with STARTTLS")
    smtp_user: str | None = Field(default=None, description="the SMTP login (none: no login)")
    smtp_password: SecretStr | None = Field(default=None, description="the SMTP login's password")
    smtp_from: str | None = Field(
        default=None, description="the sender of reminders, e.g. risk.register@council.gov.uk"
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="how long to wait for the server")
    warm_up_reports: bool = Field(
        default=True,
        description="load matplotlib, the PDF font and the page templates at start, before serving",
    )

    @field_validator("oidc_groups", mode="before")
    @classmethod
    def _groups_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON ({exc})") from None
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not _ISSUER.match(value):
            raise ValueError("the issuer must be an https:// URL (plain http only on 127.0.0.1 or localhost)")
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if self.oidc_issuer is None:
            return self
        if not self.oidc_client_id:
            raise ValueError("RISKREG_OIDC_ISSUER is set: RISKREG_OIDC_CLIENT_ID must be set too")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("RISKREG_OIDC_SCOPES must include openid")
        if not self.oidc_groups:
            raise ValueError(
                "RISKREG_OIDC_ISSUER is set but RISKREG_OIDC_GROUPS maps no group: nobody could sign in"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The settings in force (cached; tests build their own Settings)."""
    return Settings()


def matrix_in_force(settings: Settings) -> Matrix:
    """The matrix named by RISKREG_MATRIX_FILE, or the default 4x4; a band that sets no review
    interval takes RISKREG_REVIEW_INTERVAL_MONTHS."""
    matrix = load_matrix(settings.matrix_file) if settings.matrix_file else default_matrix()
    return matrix.with_review_months(settings.review_interval_months)


def categories_in_force(settings: Settings) -> tuple[str, ...]:
    """The categories named by RISKREG_CATEGORIES_FILE, or the Orange Book's list."""
    return load_categories(settings.categories_file) if settings.categories_file else ORANGE_BOOK
