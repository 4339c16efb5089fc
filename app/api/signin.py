"""Sign-in with the council's OpenID Connect provider (Microsoft Entra ID, or another), and sign-out.

`GET /signin/oidc` sends the browser to the provider with an authorization code request
(PKCE with S256, a state and a nonce, all fresh); `GET /signin/callback` takes the code back,
exchanges it with the code verifier, checks the ID token (signature against the provider's
JWKS; iss, aud, exp, nonce), maps the person's groups to a role and services
(RISKREG_OIDC_GROUPS) and writes the pages' session (app/api/browser_session.py). The provider's
endpoints come from its discovery document, fetched on the first sign-in (Authlib).

Between the two steps the state, nonce and code verifier live in a cookie of their own,
signed, HttpOnly, for ten minutes and sent only to /signin/. Nothing here runs on an API
request: Authlib is loaded by the first sign-in.

Every failure is a page saying what went wrong, 4xx (the browser's request, a refused
person) or 502 (the provider), and leaves no session behind.
"""

from __future__ import annotations

import hmac
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature

from app.access.people import display_name, groups_of, principal_of
from app.api import browser_session
from app.api.deps import TOKEN_COOKIE
from app.config import Settings
from app.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from authlib.integrations.starlette_client import StarletteOAuth2App
    from jinja2 import Environment

log = logging.getLogger("riskreg")
router = APIRouter(include_in_schema=False)

START_PATH = "/signin/oidc"
CALLBACK_PATH = "/signin/callback"
FLOW_COOKIE = "riskreg_oidc"
_FLOW_SALT = "riskreg.signin.oidc"
_FLOW_SECONDS = 600
#: How long riskreg waits for the provider (discovery, keys, the code exchange).
_PROVIDER_TIMEOUT_SECONDS = 15.0
#: Answers that set or end a sign-in are never kept by a cache.
_NO_STORE = {"Cache-Control": "no-store"}


class SignInFailed(Exception):
    """A sign-in that cannot go on: the page to show instead, and its status."""

    def __init__(self, status: int, heading: str, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.heading = heading
        self.message = message
        self.retry = retry


@router.get(START_PATH)
async def oidc_sign_in(request: Request) -> Response:
    """Send the browser to the council's sign-in provider (authorization code with PKCE)."""
    settings = _configured(request)
    redirect_uri = _callback_url(request, settings)
    try:
        client = _client(request, settings)
        await _discovered(client, settings)
        try:
            # Authlib makes the code verifier (its S256 challenge goes out), the state and the nonce.
            started = await client.create_authorization_url(redirect_uri)
        except RuntimeError as exc:
            raise SignInFailed(
                502,
                "The sign-in service is not set up right",
                "Its discovery document names no authorization endpoint.",
            ) from exc
    except SignInFailed as failure:
        return _failure_page(request, failure)
    flow = {
        "state": started["state"],
        "nonce": started["nonce"],
        "code_verifier": started["code_verifier"],
        "redirect_uri": redirect_uri,
        "next": _local_path(request.query_params.get("next")),
    }
    response = RedirectResponse(started["url"], status_code=303, headers=_NO_STORE)
    response.set_cookie(
        FLOW_COOKIE,
        browser_session.signer(request, _FLOW_SALT).dumps(flow),
        max_age=_FLOW_SECONDS,
        httponly=True,
        # The provider's redirect back is a top-level navigation from its site: Lax sends it.
        samesite="lax",
        secure=browser_session.secure(request),
        path="/signin/",
    )
    return response


@router.get(CALLBACK_PATH, name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    """Take the provider's answer: check it, and sign this browser in as the person it names."""
    settings = _configured(request)
    try:
        flow = _read_flow(request)
        person, claims = await _person(request, settings, flow)
    except SignInFailed as failure:
        refused = _failure_page(request, failure)
        _end_flow(request, refused)
        return refused
    log.info(
        "signed in with %s: %s (%s %s)",
        settings.oidc_issuer,
        person["name"],
        person["role"],
        person["services"],
    )
    response = RedirectResponse(flow["next"], status_code=303, headers=_NO_STORE)
    browser_session.write(
        request,
        response,
        {
            "person": person,
            "via": "oidc",
            "issuer": claims.get("iss"),
            "subject": claims.get("sub"),
        },
    )
    _end_flow(request, response)
    return response


@router.post("/signout")
def sign_out(request: Request) -> Response:
    """End this browser's session (and forget a token kept for it), then show the sign-in page."""
    if not browser_session.same_site(request):
        raise Forbidden("sign-out is accepted only from this site's own page")
    response = RedirectResponse("/", status_code=303)
    browser_session.clear(request, response)
    response.delete_cookie(
        TOKEN_COOKIE, httponly=True, samesite="strict", secure=browser_session.secure(request)
    )
    return response


def oidc_enabled(settings: Settings) -> bool:
    """Whether people may sign in with an OpenID Connect provider here."""
    return settings.oidc_issuer is not None


async def _person(
    request: Request, settings: Settings, flow: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The session's `person` for the provider's answer, and the ID token's claims."""
    from authlib.integrations.base_client import OAuthError
    from httpx2 import HTTPError
    from joserfc.errors import JoseError

    query = request.query_params
    if "error" in query:
        raise _provider_refused(query.get("error", ""), query.get("error_description"))
    given_state = query.get("state") or ""
    if not given_state or not hmac.compare_digest(given_state.encode(), str(flow["state"]).encode()):
        raise SignInFailed(
            400,
            "This sign-in does not match the one this browser started",
            "The answer from the sign-in service carries another state than the one riskreg sent: "
            "start again from the sign-in page.",
        )
    code = query.get("code")
    if not code:
        raise SignInFailed(400, "The sign-in service sent no code", "Start again from the sign-in page.")
    client = _client(request, settings)
    try:
        token = await client.fetch_access_token(
            redirect_uri=flow["redirect_uri"], code=code, code_verifier=flow["code_verifier"]
        )
    except OAuthError as exc:
        raise SignInFailed(
            502,
            "The sign-in service refused riskreg's request",
            f"Exchanging the code was refused ({_short(exc.error)}: {_short(exc.description)}). "
            "Check RISKREG_OIDC_CLIENT_ID, RISKREG_OIDC_CLIENT_SECRET and the redirect URI registered there.",
        ) from exc
    except (HTTPError, ValueError) as exc:
        raise _unreachable(settings, exc) from exc
    try:
        claims = await _verified_claims(client, settings, token, str(flow["nonce"]))
    except HTTPError as exc:
        raise _unreachable(settings, exc) from exc
    except (JoseError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("an ID token from %s was refused: %r", settings.oidc_issuer, exc)
        raise SignInFailed(
            502,
            "The sign-in service's answer could not be trusted",
            f"Its ID token did not pass riskreg's checks ({_short(str(exc) or type(exc).__name__)}).",
        ) from exc
    name = display_name(claims)
    groups = groups_of(claims, settings.oidc_groups_claim)
    principal = principal_of(groups, settings.oidc_groups, name)
    if principal is None:
        log.warning("sign-in refused: %s is in no group of RISKREG_OIDC_GROUPS (groups: %s)", name, groups)
        raise SignInFailed(
            403,
            "Your account has no access to the risk register",
            f"You signed in as {name}, but none of your groups is one the risk register knows. "
            "Ask the risk register's administrator to give one of your groups a role.",
            retry=False,
        )
    person = {"name": principal.name, "role": principal.role.value, "services": sorted(principal.services)}
    return person, claims


async def _verified_claims(
    client: StarletteOAuth2App, settings: Settings, token: dict[str, Any], nonce: str
) -> dict[str, Any]:
    """The ID token's claims, its signature checked against the provider's JWKS (fetched again
    once for a key id it does not hold) and its iss, aud, exp, iat and nonce checked."""
    if "id_token" not in token:
        raise ValueError("the token response holds no id_token")
    options: dict[str, Any] = {
        "iss": {"essential": True, "values": [settings.oidc_issuer]},
        "aud": {"essential": True, "values": [settings.oidc_client_id]},
        "exp": {"essential": True},
        "nonce": {"essential": True, "values": [nonce]},
    }
    claims = await client.parse_id_token(token, nonce=nonce, claims_options=options)
    return dict(claims)


def _configured(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if not oidc_enabled(settings):
        raise NotFound("sign-in with an OpenID Connect provider is not set up here (RISKREG_OIDC_ISSUER)")
    return settings


def _client(request: Request, settings: Settings) -> StarletteOAuth2App:
    """The app's Authlib client for the provider, made by the first sign-in."""
    client: StarletteOAuth2App | None = getattr(request.app.state, "oidc_client", None)
    if client is None:
        from authlib.integrations.starlette_client import OAuth

        assert settings.oidc_issuer is not None
        secret = settings.oidc_client_secret
        client_kwargs: dict[str, Any] = {
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "timeout": _PROVIDER_TIMEOUT_SECONDS,
        }
        if secret is None:
            client_kwargs["token_endpoint_auth_method"] = "none"
        registry = OAuth()
        registry.register(
            "council",
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret is not None else None,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )
        client = registry.create_client("council")
        request.app.state.oidc_client = client
    return client


async def _discovered(client: StarletteOAuth2App, settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (fetched once, then kept), checked to name the issuer."""
    from httpx2 import HTTPError

    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (HTTPError, ValueError) as exc:
        raise _unreachable(settings, exc) from exc
    named = metadata.get("issuer")
    if named != settings.oidc_issuer:
        client.server_metadata.clear()  # fetched again by the next sign-in, once the setting is right
        raise SignInFailed(
            502,
            "The sign-in service is not the one configured",
            f"Its discovery document names the issuer {_short(str(named))}, "
            f"not RISKREG_OIDC_ISSUER ({settings.oidc_issuer}). For Entra ID, use the tenant's id in the URL.",
        )
    return metadata


def _unreachable(settings: Settings, exc: Exception) -> SignInFailed:
    log.warning("the sign-in provider %s could not be used: %r", settings.oidc_issuer, exc)
    return SignInFailed(
        502,
        "The sign-in service could not be reached",
        f"riskreg could not get an answer from {settings.oidc_issuer}. Try again in a few minutes; "
        "if it goes on, tell the risk register's administrator.",
    )


def _provider_refused(error: str, description: str | None) -> SignInFailed:
    if error in ("access_denied", "consent_required", "login_required", "interaction_required"):
        return SignInFailed(
            403,
            "Sign-in was cancelled or refused",
            f"The sign-in service did not sign you in ({_short(error)}"
            + (f": {_short(description)}" if description else "")
            + ").",
        )
    return SignInFailed(
        502,
        "The sign-in service could not sign you in",
        f"It answered {_short(error)}" + (f": {_short(description)}" if description else "") + ".",
    )


def _callback_url(request: Request, settings: Settings) -> str:
    """The redirect URI registered with the provider: on RISKREG_PUBLIC_ORIGIN when set (behind a
    proxy the request's own URL may name the wrong scheme or host)."""
    if settings.public_origin is not None:
        return settings.public_origin + CALLBACK_PATH
    return str(request.url_for("oidc_callback"))


def _local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site ("/" otherwise)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or len(value) > 1000
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)
    ):
        return "/"
    return value


def _read_flow(request: Request) -> dict[str, Any]:
    value = request.cookies.get(FLOW_COOKIE)
    flow: Any = None
    if value:
        try:
            flow = browser_session.signer(request, _FLOW_SALT).loads(value, max_age=_FLOW_SECONDS)
        except BadSignature:  # also SignatureExpired
            flow = None
    keys = {"state", "nonce", "code_verifier", "redirect_uri", "next"}
    if not isinstance(flow, dict) or not keys <= flow.keys():
        raise SignInFailed(
            400,
            "This sign-in was not started here, or took too long",
            "riskreg has no sign-in in progress for this browser (it lasts ten minutes and needs "
            "cookies): start again from the sign-in page.",
        )
    return flow


def _end_flow(request: Request, response: Response) -> None:
    response.delete_cookie(
        FLOW_COOKIE, path="/signin/", httponly=True, samesite="lax", secure=browser_session.secure(request)
    )


def _short(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def _templates() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _failure_page(request: Request, failure: SignInFailed) -> HTMLResponse:
    page = _templates().get_template("signin_failed.html").render(failure=failure)
    return HTMLResponse(page, status_code=failure.status, headers=_NO_STORE)
