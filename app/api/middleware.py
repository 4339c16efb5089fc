"""ASGI middleware: request ids, the body size limit (413), and the security headers of every answer."""

from __future__ import annotations

import re
import uuid

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem_response
from app.audit.context import request_id
from app.errors import PayloadTooLarge

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestIdMiddleware:
    """Take a sane X-Request-ID from the client or make one; echo it and expose it to the audit trail."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class _TooLargeError(StarletteHTTPException):
    """Raised from `receive` past the limit; an HTTPException so that body parsing lets it through
    as 413 (FastAPI turns any other exception met while reading the body into 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over `limit` bytes with 413, by Content-Length or while streaming."""

    def __init__(
        self, app: ASGIApp, limit: int, import_limit: int, import_path: str = "/api/v1/imports"
    ) -> None:
        self.app = app
        self.limit = limit
        self.import_limit = import_limit
        self.import_path = import_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_limit if scope["path"].startswith(self.import_path) else self.limit
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(f"the body is larger than {limit} bytes")
        response = problem_response(error.problem(scope.get("path")), {"Connection": "close"})
        await response(scope, receive, send)


#: Pages (HTML) run no script at all, so none is allowed; styles are inline (the page's own
#: <style>, band colours, the heat map's SVG), which a style can at worst misdraw, not steal.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Headers every answer gets: `nosniff` always; on HTML a Content-Security-Policy (unless the
    route chose its own, as the API docs do), no framing and a same-origin referrer; on the API
    `Cache-Control: no-store`, downloads included, since they all carry register data."""

    def __init__(self, app: ASGIApp, api_path: str = "/api/") -> None:
        self.app = app
        self.api_path = api_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(self.api_path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if not (api and k == b"cache-control")
                ]
                names = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if api:
                    headers.append((b"cache-control", b"no-store"))
                if dict(headers).get(b"content-type", b"").startswith(b"text/html"):
                    if b"content-security-policy" not in names:
                        headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                    headers.append((b"referrer-policy", b"same-origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
