"""The pages work in a real browser: headless Chromium (Debian's) over a real server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.access.principal import Role
from tests.conftest import make_token
from tests.pages.conftest import CHROMIUM

pytestmark = pytest.mark.browser


def test_home_page_in_headless_chromium(server: str, app) -> None:  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    token = make_token(app.state.engine, Role.AUDITOR, name="browser-auditor")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(server + "/")
            assert page.get_by_role("heading", name="Sign in").is_visible()
            page.fill("#token", "rr_not-a-token")
            page.click("input[type=submit]")
            assert page.get_by_role("alert").is_visible()
            page.fill("#token", token)
            page.click("input[type=submit]")
            page.wait_for_selector("#services")
            row = page.locator("#services tbody tr").first
            assert "Community Partnerships (CP)" in row.inner_text()
            cells = row.locator("td.num").all_inner_texts()
            assert cells[:4] == ["1", "0", "0", "1"]  # Low, Medium, High, Very High
            assert (
                page.locator("#heatmap-table caption").inner_text()
                == "Heat map as a table: open risks in each cell"
            )
            assert page.locator("figure[role=img] svg").count() == 1
            with page.expect_download() as download_info:
                page.get_by_role("link", name="HTML").first.click()
            download = download_info.value
            assert download.suggested_filename.startswith("risk-register-CP-")
            body = Path(download.path()).read_text(encoding="utf-8")
            assert "CP01" in body
            assert "Total failure of ICT systems" in body
            response = page.request.get(server + "/api/v1/reports/heatmap?format=png")
            assert response.ok
            assert response.body().startswith(b"\x89PNG")
            # The cookie never authorises a change.
            refused = page.request.post(server + "/api/v1/services", data={"code": "XX", "name": "X"})
            assert refused.status == 401
        finally:
            browser.close()


def test_home_page_fits_a_phone(server: str, app) -> None:  # type: ignore[no-untyped-def]
    """At 390 px nothing spills out of its card, and the heat map keeps a readable size."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    token = make_token(app.state.engine, Role.AUDITOR, name="phone-auditor")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(server + "/")
            page.fill("#token", token)
            page.click("input[type=submit]")
            page.wait_for_selector("#services")
            overflowing = page.evaluate(
                """() => [...document.querySelectorAll('section')]
                    .filter(s => s.scrollWidth > s.clientWidth + 1)
                    .map(s => s.querySelector('h2').textContent)"""
            )
            assert overflowing == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            svg_width = page.evaluate("document.querySelector('figure svg').getBoundingClientRect().width")
            assert svg_width >= 500  # its labels stay legible; the figure scrolls sideways in its card
        finally:
            browser.close()
