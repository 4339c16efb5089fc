"""Exception handlers: every error leaves as problem details (RFC 9457), never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.errors import PROBLEM_JSON, TYPE_BASE, Busy, Conflict, RiskregError, Unauthenticated

log = logging.getLogger("riskreg")


#: One offending field of a refused request, as the OpenAPI document names it.
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FieldError",
    "description": "One offending field: where it is and why it is wrong.",
    "required": ["loc", "field", "msg", "type"],
    "properties": {
        "loc": {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "description": "where the field is: body, query, path or header, then its path",
        },
        "field": {"type": "string", "description": "`loc` joined by dots, e.g. body.reviews.0.residual"},
        "msg": {"type": "string", "description": "why the value is refused"},
        "type": {"type": "string", "description": "the kind of error, e.g. value_error, missing"},
    },
}

#: The problem document (RFC 9457) as the OpenAPI document names it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An error as problem details (RFC 9457); `errors` names each refused field.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
}

#: The components every error response refers to (one named schema, so a generated client reads it).
PROBLEM_COMPONENTS: dict[str, dict[str, Any]] = {"Problem": PROBLEM_SCHEMA, "FieldError": FIELD_ERROR_SCHEMA}

_PROBLEM_STATUSES = {
    400: "malformed request (the body is not JSON)",
    401: "no or bad credentials",
    403: "the token may not do this",
    404: "unknown (or not visible to this token)",
    409: "conflict with stored data",
    412: "stale If-Match",
    413: "body too large",
    422: "invalid input; `errors` names the fields",
    428: "If-Match required",
    503: "the database is busy or unavailable; nothing was changed",
}

#: Every error status a route of the API can answer, as problem+json; routers take it as `responses`.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, text in _PROBLEM_STATUSES.items()
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem document as a response."""
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


async def _riskreg_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RiskregError)
    headers = (
        {"WWW-Authenticate": "Bearer"}
        if isinstance(exc, Unauthenticated)
        else {"Retry-After": "5"}
        if isinstance(exc, Busy)
        else None
    )
    return problem_response(exc.problem(request.url.path), headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    malformed = False
    for err in exc.errors():
        loc = [str(p) if not isinstance(p, int) else p for p in err.get("loc", ())]
        malformed = malformed or err.get("type") == "json_invalid"
        errors.append(
            {
                "loc": loc,
                "field": ".".join(str(p) for p in loc),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    status = 400 if malformed else 422
    first = errors[0] if errors else {"field": "", "msg": "invalid request"}
    detail = "the body is not valid JSON" if malformed else f"{first['field']}: {first['msg']}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    body = {
        "type": TYPE_BASE + ("malformed-request" if malformed else "validation-error"),
        "title": "Malformed request" if malformed else "Invalid input",
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "errors": errors,
    }
    return problem_response(body)


_SLUGS = {404: "not-found", 413: "payload-too-large"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthenticated", 413: "Payload too large"}
    body = {
        "type": TYPE_BASE + _SLUGS.get(exc.status_code, f"http-{exc.status_code}"),
        "title": titles.get(exc.status_code, "HTTP error"),
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": request.url.path,
    }
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(body, headers or None)


def _allowed_methods(request: Request) -> str:
    """Every method the API serves at this path (Starlette names only the first matching route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {m.upper() for m in operations}
    return ", ".join(sorted(methods))


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error on %s: %s", request.url.path, exc)
    return problem_response(
        Conflict("the change clashes with stored data (a duplicate?)").problem(request.url.path)
    )


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable on %s: %s", request.url.path, exc)
    body = {
        "type": TYPE_BASE + "unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "the database is busy or unavailable; nothing was changed, try again",
        "instance": request.url.path,
    }
    return problem_response(body, {"Retry-After": "1"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    body = {
        "type": TYPE_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error occurred; nothing was changed",
        "instance": request.url.path,
    }
    return problem_response(body)


def install(app: FastAPI) -> None:
    """Register every handler on the app, and the problem schemas in its OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI keeps it as app.openapi_schema: this runs once
        document.setdefault("components", {}).setdefault("schemas", {}).update(PROBLEM_COMPONENTS)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(RiskregError, _riskreg_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _unexpected)
