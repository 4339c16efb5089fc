"""Domain errors and the one handler that turns them into problem details (RFC 9457).

Errors::

    RiskregError                     400 (base; never raised directly)
    ├── InvalidInput                 422 a value breaks a rule (out of matrix, future date, ...)
    ├── NotFound                     404 unknown service, risk, token
    ├── Conflict                     409 duplicate ref or service code
    ├── PreconditionFailed           412 stale If-Match
    ├── PreconditionRequired         428 missing If-Match
    ├── Unauthenticated              401 no or bad credentials
    ├── Forbidden                    403 the token may not do this
    ├── PayloadTooLarge              413 body over the configured limit
    └── Busy                         503 every slot of a bounded resource is taken; try again
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://riskreg.example/problems/"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One offending field: where it is and why it is wrong."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        """The field as it appears in the problem document."""
        return {
            "loc": list(self.loc),
            "field": ".".join(str(p) for p in self.loc),
            "msg": self.msg,
            "type": self.type,
        }


class RiskregError(Exception):
    """Base of every error a client can cause; carries its HTTP status and problem type."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: Sequence[FieldProblem] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = tuple(errors)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem-details document for this error."""
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class InvalidInput(RiskregError):
    """A value that is well formed but breaks a rule of the register."""

    status = 422
    slug = "validation-error"
    title = "Invalid input"


class NotFound(RiskregError):
    """The thing asked for does not exist (or may not be seen)."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(RiskregError):
    """The change clashes with what is stored (duplicate ref, duplicate code)."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(RiskregError):
    """If-Match names a version that is no longer current."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(RiskregError):
    """A change that needs If-Match was sent without it."""

    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class Unauthenticated(RiskregError):
    """No token, or a token that is unknown, expired or revoked."""

    status = 401
    slug = "unauthenticated"
    title = "Unauthenticated"


class Forbidden(RiskregError):
    """The token is valid but its role or services do not allow this."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class PayloadTooLarge(RiskregError):
    """The request body is larger than the configured limit."""

    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class Busy(RiskregError):
    """Every slot of a bounded resource (report rendering) is taken; the client may try again."""

    status = 503
    slug = "busy"
    title = "Busy"
