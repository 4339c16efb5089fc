"""/docs (Swagger UI) and /redoc, served with their scripts from the installed `fastapi-offline`
package instead of a CDN, so that they work without internet, each under its own CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
#: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png
ASSETS = StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")

router = APIRouter(include_in_schema=False)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _policy(page: str, *, worker: bool = False) -> str:
    """A CSP for a docs page: scripts from this server plus the page's own inline scripts by
    hash; inline styles (both UIs set style attributes); fetches of /openapi.json only here."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        + ("worker-src blob:; " if worker else "")
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def _with_policy(page: HTMLResponse, *, worker: bool = False) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _policy(bytes(page.body).decode(), worker=worker)
    return page


@router.api_route("/docs", methods=["GET", "HEAD"])
def swagger_ui(request: Request) -> HTMLResponse:
    """The interactive API documentation (Swagger UI)."""
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_swagger_ui_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )
    )


@router.api_route("/redoc", methods=["GET", "HEAD"])
def redoc(request: Request) -> HTMLResponse:
    """The API reference (ReDoc)."""
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_redoc_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        ),
        worker=True,  # ReDoc runs its search index in a worker made from a blob: URL
    )
