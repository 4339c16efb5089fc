"""Two services and a token of every kind, for the access and audit tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from tests.api.builders import make_action, make_risk, make_service, review
from tests.conftest import make_token

A = "CP"  # the editor's own service
B = "QZ"  # the other service, whose objects must never leak
B_REF = "QZ77"
B_TITLE = "SECRET-B-TITLE"
B_EDITOR = "editor-qz"
PLANS = Path(__file__).parent.parent / "fixtures" / "plans"


def as_token(app: FastAPI, token: str | None) -> TestClient:
    """A client sending `token` as its bearer token (none: anonymous)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(app, raise_server_exceptions=False, headers=headers)


@dataclass(frozen=True)
class World:
    """Services A and B with a risk each, and a client per role."""

    admin: TestClient
    auditor: TestClient
    editor_a: TestClient
    editor_b: TestClient
    tokens: dict[str, str]
    risk_a: int
    risk_b: int
    action_b: int


def seed(app: FastAPI) -> World:
    """Make services A and B, a reviewed risk in each (B's with an action), and admin, auditor and editor tokens."""
    engine = app.state.engine
    tokens = {
        "admin": make_token(engine, Role.ADMIN, name="admin"),
        "auditor": make_token(engine, Role.AUDITOR, name="auditor"),
    }
    admin = as_token(app, tokens["admin"])
    make_service(admin, A, "Community Partnerships")
    make_service(admin, B, "Quiet Zone Services")
    tokens["editor_a"] = make_token(engine, Role.EDITOR, [A], name="editor-cp")
    tokens["editor_b"] = make_token(engine, Role.EDITOR, [B], name=B_EDITOR)
    risk_a = make_risk(admin, A, "CP01", residual=(2, 3))
    risk_b = make_risk(admin, B, B_REF, residual=(3, 4), title=B_TITLE, owner="B-OWNER")
    review(admin, risk_b["id"], (2, 2), notes="B review notes")
    action_b = make_action(admin, risk_b["id"], description="B action notes", owner="B-OWNER")
    return World(
        admin=admin,
        auditor=as_token(app, tokens["auditor"]),
        editor_a=as_token(app, tokens["editor_a"]),
        editor_b=as_token(app, tokens["editor_b"]),
        tokens=tokens,
        risk_a=risk_a["id"],
        risk_b=risk_b["id"],
        action_b=action_b["id"],
    )
