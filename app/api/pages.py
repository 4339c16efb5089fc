"""Server-rendered pages for people: sign in with a token, see the council's registers.

The other pages: app.api.service_pages, risk_pages and audit_pages; what they share: app.api.page_kit."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal
from app.api import browser_session
from app.api.deps import TOKEN_COOKIE, CalendarDep, MatrixDep
from app.api.page_kit import find_principal, refuse_cross_site, render, templates
from app.db import committed
from app.errors import Unauthenticated
from app.reports import queries
from app.reports.periods import half_containing
from app.reports.rows import HeatmapCells
from app.scoring import Matrix
from app.services import repository as services
from app.services import service as service_rules
from app.services.schemas import ServicePublic

router = APIRouter(include_in_schema=False)


def warm_up_pages() -> None:
    """Load jinja2 and compile every page template, so that the first page does not wait for them."""
    environment = templates()
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, matrix: MatrixDep, calendar: CalendarDep) -> Response:
    """The council's registers: band counts per service, the heat map, and every download."""
    try:
        principal = await find_principal(request)
    except Unauthenticated as exc:
        return render(request, "signin.html", None, error=exc.detail, status_code=401, oidc=_oidc(request))
    if principal is None:
        return render(request, "signin.html", None, error=None, oidc=_oidc(request))
    summaries, cells = await run_in_threadpool(_registers, request.app.state.read_engine, principal, matrix)
    from app.reports.heatmap import render_heatmap
    from app.reports.words import format_long_day

    title = f"Council residual risk, {format_long_day(calendar.today)}"
    svg = await run_in_threadpool(render_heatmap, matrix, cells, title=title, fmt="svg")
    last = half_containing(half_containing(calendar.today).start - timedelta(days=1))
    return render(
        request,
        "home.html",
        principal,
        services=summaries,
        matrix=matrix,
        cells=cells,
        heatmap_svg=svg.decode("utf-8"),
        today=calendar.today,
        last_period=last,
        current_period=half_containing(calendar.today),
        long_day=format_long_day,
    )


def _registers(
    engine: Engine, principal: Principal, matrix: Matrix
) -> tuple[list[ServicePublic], HeatmapCells]:
    """The services the principal may read, with their band counts, and the heat map of their risks."""
    with committed(engine) as session:
        listed = services.listing(session, principal.readable_services())
        summaries = service_rules.public(listed, session, matrix)
        codes = [s.code for s in listed] if principal.readable_services() is not None else None
        return summaries, queries.heatmap(session, codes, "residual")


@router.post("/session")
async def sign_in(request: Request) -> Response:
    """Keep the token in an HttpOnly cookie for this browser (accepted on reads only)."""
    refuse_cross_site(request)
    body = (await request.body())[:4096].decode("utf-8", "replace")
    token = (parse_qs(body).get("token") or [""])[0].strip()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=browser_session.secure(request),
        max_age=8 * 3600,
    )
    return response


def _oidc(request: Request) -> bool:
    """Whether the sign-in page offers the council's identity provider."""
    from app.api.signin import oidc_enabled

    return oidc_enabled(request.app.state.settings)
