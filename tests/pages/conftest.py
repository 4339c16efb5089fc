"""The pages' fixtures: a real server, Debian's Chromium, signing a person in, and page clients."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.api.deps import TOKEN_COOKIE
from tests.api.builders import make_risk, make_service
from tests.conftest import make_token
from tests.pages.oidc import serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def needs_chromium() -> None:
    """Skip outside CI when Debian's chromium is missing; in CI, fail."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")


@pytest.fixture
def server(app: FastAPI, client: TestClient) -> Iterator[str]:
    """The app served by uvicorn on loopback, with a small register."""
    make_service(client, "CP", "Community Partnerships")
    make_risk(client, "CP", "CP01", (3, 4), date(2025, 9, 1), title="Total failure of ICT systems")
    make_risk(client, "CP", "CP02", (1, 2), date(2025, 9, 1), title="Loss of accommodation")
    with serve(app) as site:
        yield site


SignIn = Callable[..., None]


@pytest.fixture
def sign_in(app: FastAPI, server: str) -> SignIn:
    """`sign_in(page, role=..., services=[...], name=...)`: sign a person in to the browser page and
    land on the home page. Today through the token form; the one place to switch to OpenID Connect."""

    def signing_in(
        page: Any, *, role: Role = Role.EDITOR, services: list[str] | None = None, name: str | None = None
    ) -> None:
        token = make_token(app.state.engine, role, services, name=name)
        page.goto(server + "/")
        page.fill("#token", token)
        page.click("input[type=submit]")
        page.wait_for_selector("#services")

    return signing_in


def page_client(
    app: FastAPI, role: Role, services: list[str] | None = None, name: str | None = None
) -> TestClient:
    """A browser-like client signed in with a token of `role` (the token form's cookie)."""
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    client.cookies[TOKEN_COOKIE] = make_token(app.state.engine, role, services, name=name)
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(client: TestClient, url: str, fields: dict[str, Any], *, from_page: str | None = None) -> Any:
    """Post `fields` as the form of `from_page` (default: `url`'s risk or service page) would, its CSRF token included."""
    page = client.get(from_page or "/")
    token = csrf_of(page.text)
    return client.post(url, data={"csrf": token, **fields})
