"""Server-rendered pages for people: sign in with a token, see the council's registers."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.tokens import authenticate
from app.api import browser_session
from app.api.deps import TOKEN_COOKIE, CalendarDep, MatrixDep
from app.db import committed
from app.errors import Forbidden, Unauthenticated
from app.reports import queries
from app.reports.periods import half_containing
from app.services import repository as services
from app.services import service as service_rules

if TYPE_CHECKING:
    from jinja2 import Environment

router = APIRouter(include_in_schema=False)


@cache
def _templates() -> Environment:
    # jinja2 is loaded by the start-up warm-up or the first page, not by `import app.main`.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def warm_up_pages() -> None:
    """Load jinja2 and compile the page templates, so that the first page does not wait for them."""
    for name in ("signin.html", "home.html"):
        _templates().get_template(name)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, matrix: MatrixDep, calendar: CalendarDep) -> Response:
    """The council's registers: band counts per service, the heat map, and every download."""
    person = browser_session.principal(browser_session.read(request))
    secret = request.cookies.get(TOKEN_COOKIE)
    with committed(request.app.state.read_engine) as session:
        try:
            if person is not None:
                principal = person
            elif not secret:
                raise Unauthenticated("no token")
            else:
                principal = authenticate(session.connection(), secret)
        except Unauthenticated as exc:
            page = (
                _templates()
                .get_template("signin.html")
                .render(
                    error=None if not secret else exc.detail,
                    oidc=request.app.state.settings.oidc_issuer is not None,
                )
            )
            return HTMLResponse(page, status_code=401 if secret else 200)
        listed = services.listing(session, principal.readable_services())
        summaries = service_rules.public(listed, session, matrix)
        codes = [s.code for s in listed] if principal.readable_services() is not None else None
        cells = queries.heatmap(session, codes, "residual")
    from app.reports.heatmap import render_heatmap
    from app.reports.words import format_long_day

    title = f"Council residual risk, {format_long_day(calendar.today)}"
    svg = render_heatmap(matrix, cells, title=title, fmt="svg")
    last = half_containing(half_containing(calendar.today).start - timedelta(days=1))
    page = (
        _templates()
        .get_template("home.html")
        .render(
            principal=principal,
            services=summaries,
            matrix=matrix,
            cells=cells,
            heatmap_svg=svg.decode("utf-8"),
            today=calendar.today,
            last_period=last,
            current_period=half_containing(calendar.today),
            long_day=format_long_day,
        )
    )
    return HTMLResponse(page)


@router.post("/session")
async def sign_in(request: Request) -> Response:
    """Keep the token in an HttpOnly cookie for this browser (accepted on reads only)."""
    _refuse_cross_site(request)
    body = (await request.body())[:4096].decode("utf-8", "replace")
    token = (parse_qs(body).get("token") or [""])[0].strip()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), max_age=8 * 3600
    )
    return response


@router.post("/session/end")
def sign_out(request: Request) -> Response:
    """Forget the token."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    # Behind a proxy that ends TLS the app sees plain http: RISKREG_SECURE_COOKIES says so.
    return bool(request.app.state.settings.secure_cookies) or request.url.scheme == "https"


def _refuse_cross_site(request: Request) -> None:
    """Login CSRF: a sign-in form posted by another site's page would sign this browser in
    with the attacker's token. Browsers name the posting page's origin in `Origin` (every
    POST) and say `Sec-Fetch-Site`; without `Origin`, a `Referer` is judged the same way. A
    request with neither comes from no browser page (curl, a script) and is let through."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("sign-in is accepted only from this site's own page")
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return
    given = urlsplit(origin)
    public = request.app.state.settings.public_origin
    if public is not None:
        expected = urlsplit(public)
        same = (given.scheme, given.netloc) == (expected.scheme, expected.netloc)
    else:
        # The scheme is not compared: behind a proxy ending TLS the app itself sees http.
        same = given.scheme in ("http", "https") and given.netloc == request.headers.get("host")
    if not same:
        raise Forbidden("sign-in is accepted only from this site's own page")
