"""Settings, read once from the environment (prefix RISKREG_) or a .env file."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.scoring import ORANGE_BOOK, Matrix, default_matrix, load_categories, load_matrix

#: No date after this one is accepted: far from the calendar's end, so that a day added
#: or a time zone applied never overflows.
LATEST_DATE = date(2999, 12, 31)


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
