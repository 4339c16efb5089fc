"""What every page shares: who is signed in, the forms' CSRF tokens, templates, and error pages.

Who is signed in (`page_principal`): the person of the signed session cookie
(app.api.browser_session, written by the OpenID Connect sign-in) first, else the API token
kept by the token sign-in form (the HttpOnly `riskreg_token` cookie). With neither, a page
answers 303 to the sign-in page.

A page's form posts are checked three ways before any route reads them (`page_form`):
the browser says it comes from this site's own page (`refuse_cross_site`), and its hidden
`csrf` field holds a token this server signed (RISKREG_SESSION_SECRET, itsdangerous) for
the same person or token as the cookie sending it, within RISKREG_SESSION_HOURS. Anything
else is a 403 page, before the body is looked at further and before anything is written.

Page routes use `PageRoute`: a domain error (403, 404, 409, ...) becomes an HTML page with
the same status, not problem+json, and "sign in first" a redirect.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature
from pydantic import BaseModel, ValidationError

from app.access.principal import Action, Principal
from app.api import browser_session
from app.api.deps import TOKEN_COOKIE
from app.errors import FieldProblem, Forbidden, InvalidInput, NotFound, RiskregError, Unauthenticated

if TYPE_CHECKING:
    from jinja2 import Environment

ModelT = TypeVar("ModelT", bound=BaseModel)
#: Where a browser with no one signed in is sent.
SIGN_IN_URL = "/"
CSRF_FIELD = "csrf"
_CSRF_SALT = "riskreg.pages.csrf"
#: The most fields a page's form may carry (a review round of 500 risks has 3,500).
_MAX_FIELDS = 5_000


class SignInNeeded(Exception):
    """No one is signed in to this browser (or the token it kept no longer works)."""


@cache
def templates() -> Environment:
    """The pages' jinja2 templates (loaded by the start-up warm-up or the first page, not at import)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


async def find_principal(request: Request) -> Principal | None:
    """The person signed in to this browser: the session's first, else the kept token's; None when
    neither is there. Unauthenticated for a kept token that is unknown, expired or revoked."""
    person = browser_session.principal(browser_session.read(request))
    if person is not None:
        return person
    secret = request.cookies.get(TOKEN_COOKIE)
    if not secret:
        return None
    principal: Principal = await request.app.state.tokens.principal(secret)
    return principal


async def page_principal(request: Request) -> Principal:
    """Who is asking for a page; 303 to the sign-in page when no one (or no valid token) is signed in."""
    try:
        found = await find_principal(request)
    except Unauthenticated:
        found = None
    if found is None:
        raise SignInNeeded
    request.state.page_principal = found  # for the header of an error page
    return found


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def _binding(request: Request) -> str:
    """What a CSRF token is bound to: the signed-in person, else a digest of the kept token."""
    person = browser_session.principal(browser_session.read(request))
    if person is not None:
        return "person:" + person.name
    secret = request.cookies.get(TOKEN_COOKIE) or ""
    return "token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(request: Request) -> str:
    """A token for this browser's forms: signed, dated, and bound to who is signed in."""
    return browser_session.signer(request, _CSRF_SALT).dumps(_binding(request))


def check_csrf(request: Request, given: str) -> None:
    """403 unless `given` is a token this server signed for the same person or token, not expired."""
    max_age = int(float(request.app.state.settings.session_hours) * 3600)
    try:
        bound = browser_session.signer(request, _CSRF_SALT).loads(given, max_age=max_age) if given else None
    except BadSignature:  # also SignatureExpired
        bound = None
    if not isinstance(bound, str) or not hmac.compare_digest(bound, _binding(request)):
        raise Forbidden("this form has expired or did not come from this site: open the page again")


def refuse_cross_site(request: Request) -> None:
    """403 for a form posted by another site's page (CSRF, login CSRF).

    Browsers name the posting page's origin in `Origin` (every POST) and say
    `Sec-Fetch-Site`; without `Origin`, a `Referer` is judged the same way. A request with
    neither comes from no browser page (curl, a script) and is let through: the CSRF token
    still guards every page write.
    """
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("forms are accepted only from this site's own pages")
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
        raise Forbidden("forms are accepted only from this site's own pages")


@dataclass(frozen=True, slots=True)
class PageForm:
    """A page's posted form (application/x-www-form-urlencoded) and who posted it."""

    principal: Principal
    fields: dict[str, list[str]]

    def get(self, name: str) -> str:
        """The field's first value, "" when it was not sent."""
        values = self.fields.get(name)
        return values[0] if values else ""

    def getlist(self, name: str) -> list[str]:
        """Every value of the field (a group of checkboxes)."""
        return list(self.fields.get(name, []))


async def page_form(request: Request, principal: PagePrincipal) -> PageForm:
    """A form posted from a page by a signed-in person, checked for its origin and CSRF token."""
    refuse_cross_site(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind != "application/x-www-form-urlencoded":
        raise Forbidden("this form has expired or did not come from this site: open the page again")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form could not be read", errors=[FieldProblem(("body",), str(exc))]) from exc
    check_csrf(request, (fields.get(CSRF_FIELD) or [""])[0])
    return PageForm(principal, fields)


PageFormDep = Annotated[PageForm, Depends(page_form)]


def render(
    request: Request, name: str, principal: Principal | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The template `name` as a page, with who is signed in, the CSRF token and the navigation."""
    page = (
        templates()
        .get_template(name)
        .render(
            principal=principal,
            csrf=csrf_token(request) if principal is not None else "",
            may_audit=principal is not None and principal.may(Action.AUDIT),
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(page, status_code=status_code)


def error_page(request: Request, error: RiskregError) -> HTMLResponse:
    """A domain error as a page with its status: what was refused and where to go from here."""
    principal: Principal | None = getattr(request.state, "page_principal", None)
    return render(request, "error.html", principal, status_code=error.status, error=error)


class PageRoute(APIRoute):
    """A page's route: domain errors as HTML pages, and 303 to the sign-in page when no one is signed in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return RedirectResponse(SIGN_IN_URL, status_code=303)
            except RequestValidationError:
                # only a path parameter is validated by the framework on pages (an id that is no number)
                return error_page(request, NotFound("there is no such page"))
            except RiskregError as exc:
                return error_page(request, exc)

        return page


def parse_day(value: str) -> date | None:
    """A YYYY-MM-DD day from a form or query; None when blank; ValueError when it is no such day."""
    value = value.strip()
    if not value:
        return None
    if len(value) != 10:
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD") from None


def field_errors(problems: tuple[FieldProblem, ...], strip: int = 1) -> dict[str, str]:
    """Field problems by field name (the loc after its first `strip` parts: `body`, a query's `query`)."""
    found: dict[str, str] = {}
    for problem in problems:
        name = ".".join(str(part) for part in problem.loc[strip:]) or "form"
        found.setdefault(name, problem.msg)
    return found


def validated(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """`values` as `model` (a request body of the API); InvalidInput naming each refused field
    under `body`, as the API would, with pydantic's words made plain."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = [
            FieldProblem(
                ("body", *(part for part in error["loc"])),
                error["msg"].removeprefix("Value error, "),
                error["type"],
            )
            for error in exc.errors()
        ]
        raise InvalidInput(problems[0].msg if problems else "invalid form", errors=problems) from None
