"""The pages' session: who signed in to this browser, kept in a signed cookie until it expires.

The cookie holds a small JSON object signed with `RISKREG_SESSION_SECRET` (itsdangerous,
HMAC-SHA1 over the payload and its time stamp): HttpOnly, SameSite=Lax (the sign-in
provider's redirect back is a top-level navigation from another site, which Strict would
strip), Secure behind TLS. It is read only by the pages; API requests never look at it.

The `person` entry is the contract between sign-in and the pages:
`{"name": "Jane Smith <jane@council.gov.uk>", "role": "editor", "services": ["CP"]}`;
`principal()` turns it into the `Principal` every access rule and audit entry uses.
OpenID Connect sign-in (app/api/signin.py) writes it, with `"via": "oidc"` and the ID
token's `issuer` and `subject` beside it; `same_site()` is its check that a POST (sign-out)
comes from this site's own page.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.access.principal import Principal, Role

COOKIE = "riskreg_session"
_SALT = "riskreg.pages.session"


def signer(request: Request, salt: str) -> URLSafeTimedSerializer:
    """The signer of the pages' cookies and tokens for `salt`: keyed with RISKREG_SESSION_SECRET,
    or without it one random key per process (so what it signed ends with a restart)."""
    state = request.app.state
    kept: dict[str, URLSafeTimedSerializer] | None = getattr(state, "signers", None)
    if kept is None:
        kept = state.signers = {}
    found = kept.get(salt)
    if found is None:
        configured = state.settings.session_secret
        if configured is None and getattr(state, "process_key", None) is None:
            state.process_key = secrets.token_urlsafe(32)
        key = configured.get_secret_value() if configured is not None else state.process_key
        found = kept[salt] = URLSafeTimedSerializer(key, salt=salt)
    return found


def _max_age(request: Request) -> int:
    return int(float(request.app.state.settings.session_hours) * 3600)


def secure(request: Request) -> bool:
    """Whether cookies are marked Secure: behind a proxy that ends TLS the app sees plain
    http, so RISKREG_SECURE_COOKIES says so."""
    return bool(request.app.state.settings.secure_cookies) or request.url.scheme == "https"


def read(request: Request) -> dict[str, Any] | None:
    """The session of this browser, or None when it has none, a forged one or an expired one."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        data = signer(request, _SALT).loads(value, max_age=_max_age(request))
    except BadSignature:  # also SignatureExpired
        return None
    return data if isinstance(data, dict) else None


def write(request: Request, response: Response, data: dict[str, Any]) -> None:
    """Set this browser's session to `data` (JSON-serialisable), for RISKREG_SESSION_HOURS."""
    response.set_cookie(
        COOKIE,
        signer(request, _SALT).dumps(data),
        max_age=_max_age(request),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def clear(request: Request, response: Response) -> None:
    """End this browser's session."""
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure(request), path="/")


def principal(data: dict[str, Any] | None) -> Principal | None:
    """The principal of a session's `person`, or None when the session names none (or a
    role this deployment does not know)."""
    person = (data or {}).get("person")
    if not isinstance(person, dict):
        return None
    try:
        role = Role(person["role"])
        name = str(person["name"])
    except (KeyError, ValueError):
        return None
    services = person.get("services") or []
    return Principal(name=name, role=role, services=frozenset(str(code) for code in services))


def same_site(request: Request) -> bool:
    """Whether a POST comes from this site's own page, as browsers say: `Sec-Fetch-Site`, and an
    `Origin` (or, without one, a `Referer`) that is this site's (RISKREG_PUBLIC_ORIGIN, or the
    request's own Host, scheme aside). A request with neither comes from no browser page (curl, a
    script): no cross-site forgery is possible there, so it counts as same-site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True
    given = urlsplit(origin)
    public = request.app.state.settings.public_origin
    if public is not None:
        expected = urlsplit(public)
        return (given.scheme, given.netloc) == (expected.scheme, expected.netloc)
    # The scheme is not compared: behind a proxy ending TLS the app itself sees http.
    return given.scheme in ("http", "https") and given.netloc == request.headers.get("host")
