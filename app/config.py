"""Settings, read once from the environment (prefix RISKREG_) or a .env file."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    review_interval_months: int = Field(default=6, ge=1, le=36)
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="larger bodies get 413")
    max_import_bytes: int = Field(default=5_000_000, ge=1024)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL|EXTRA)$")
    pool_size: int = Field(default=10, ge=1, description="PostgreSQL connection pool size")
    migrate_on_start: bool = Field(default=True, description="run alembic upgrade head at start")
    audit_key: SecretStr | None = Field(
        default=None,
        description="the key that signs and checks audit anchors (`riskreg audit anchor`); "
        "keep it outside the database and its backups",
    )
    earliest_date: date = Field(
        default=date(2000, 1, 1),
        description="no date before this one is accepted (filters, reviews, periods)",
    )
    warm_up_reports: bool = Field(
        default=True,
        description="load matplotlib, the PDF font and the page templates at start, before serving",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings in force (cached; tests build their own Settings)."""
    return Settings()
