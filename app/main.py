"""create_app(): the settings, engine and matrix, the routers, the error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app import __version__
from app.api import (
    actions,
    appetite,
    audit,
    audit_pages,
    docs,
    health,
    imports,
    matrix,
    pages,
    problems,
    reports,
    risk_pages,
    risks,
    service_pages,
    services,
    signin,
    tokens,
)
from app.api.deps import TokenCheck
from app.api.middleware import BodyLimitMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from app.config import Settings, categories_in_force, get_settings, matrix_in_force
from app.db import make_engine, read_bind, write_bind

log = logging.getLogger("riskreg")


def _warm_up_reports() -> None:
    from app.reports.heatmap import warm_up_heatmaps
    from app.reports.pdf import warm_up_pdf

    try:
        warm_up_heatmaps()
        warm_up_pdf()
        pages.warm_up_pages()
    except Exception:  # a failed warm-up only costs the first report some time
        log.exception("report warm-up failed")


#: The groups of the OpenAPI document, in the order a reader meets them.
_TAGS = [
    {"name": "services", "description": "Council services, each with its register."},
    {"name": "risks", "description": "Risks, their reviews and a service's review round."},
    {"name": "actions", "description": "Actions on risks: owner, due date, status, progress notes."},
    {
        "name": "appetite",
        "description": "The risk appetite statement, and escalation to the corporate register.",
    },
    {"name": "reports", "description": "Heat maps, registers and the six-monthly report."},
    {"name": "scoring", "description": "The likelihood x impact matrix in force."},
    {"name": "imports", "description": "Legacy service plans into the register."},
    {"name": "audit", "description": "The audit trail and each risk's history."},
    {"name": "tokens", "description": "API tokens (admins)."},
    {"name": "health", "description": "Whether the service and its database are up."},
]


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operation id: its function's name (part of the API contract, see README)."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the riskreg application for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            from app.migrations import upgrade

            upgrade(engine)
        if settings.warm_up_reports:
            # The first heat map, PDF or page of a process pays for loading matplotlib, the
            # font and jinja2: pay it here, before the server takes its first connection, and
            # not at `import app.main`. Not in a background thread: one importing matplotlib
            # races other threads that peek at the half-imported numpy in sys.modules, and one
            # still running at exit aborts the interpreter.
            _warm_up_reports()
        yield
        app.state.tokens.close()
        engine.dispose()

    app = FastAPI(
        title="riskreg",
        version=__version__,
        description="Risk registers of council services: the 4x4 likelihood x impact matrix, "
        "risks, control measures, responses, reviews and reports.",
        lifespan=lifespan,
        # /docs and /redoc are our own routes (app/api/docs.py): their scripts come from the
        # installed package, not from a CDN
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_tags=_TAGS,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.read_engine = read_bind(engine)
    app.state.write_engine = write_bind(engine)
    app.state.tokens = TokenCheck(app.state.read_engine)
    app.state.matrix = matrix_in_force(settings)
    app.state.categories = categories_in_force(settings)
    problems.install(app)
    for module in (
        health,
        pages,
        matrix,
        services,
        risks,
        actions,
        appetite,
        reports,
        imports,
        audit,
        tokens,
    ):
        # every error status an API route can answer is in the OpenAPI document, as problem+json
        app.include_router(module.router, responses=None if module is health else problems.PROBLEM_RESPONSES)
    app.include_router(docs.router)
    app.include_router(signin.router)
    for module in (
        service_pages,
        risk_pages,
        audit_pages,
    ):  # pages for people (HTML, outside the API's schema)
        app.include_router(module.router)
    app.mount(docs.ASSETS_PATH, docs.ASSETS, name="docs-assets")
    app.add_middleware(
        BodyLimitMiddleware, limit=settings.max_body_bytes, import_limit=settings.max_import_bytes
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
