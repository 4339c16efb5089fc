"""The id of the request being served, for audit entries and logs."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("riskreg_request_id", default="-")
