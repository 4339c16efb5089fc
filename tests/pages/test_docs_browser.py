"""/docs, /redoc and the home page draw in headless Chromium under their CSP, offline."""

from __future__ import annotations

import os

import pytest

from app.access.principal import Role
from tests.conftest import make_token
from tests.pages.conftest import CHROMIUM

pytestmark = pytest.mark.browser


def test_docs_and_pages_draw_with_no_policy_violation_and_no_other_host(server: str, app) -> None:  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    token = make_token(app.state.engine, Role.AUDITOR, name="docs-auditor")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            complaints: list[str] = []
            page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
            elsewhere: list[str] = []
            # Any request to another host is refused, as it would be without internet.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(server)
                    else (elsewhere.append(route.request.url), route.abort())
                ),
            )
            page.goto(server + "/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "riskreg" in page.locator(".swagger-ui .info .title").inner_text()
            page.wait_for_selector(".opblock", timeout=20_000)
            page.goto(server + "/redoc")
            page.wait_for_selector("h1", timeout=20_000)
            assert "riskreg" in page.locator("h1").first.inner_text()
            page.goto(server + "/")
            page.fill("#token", token)
            page.click("input[type=submit]")
            page.wait_for_selector("#services")
            assert page.locator("figure[role=img] svg").count() == 1
            # ReDoc's sidebar draws a "by Redocly" logo from its own host: blocked, and missed by no one.
            refused = [c for c in complaints if "Content Security Policy" in c and "cdn.redoc.ly" not in c]
            assert refused == []
            assert elsewhere == []
        finally:
            browser.close()
