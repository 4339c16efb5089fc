"""axe-core finds no serious or critical violation on the pages and the HTML reports as downloaded.

axe-core is the npm package (`npm install --no-save axe-core`, as .ci/run does); its
axe.min.js is injected into Debian's headless Chromium. CI must run this test: there it
fails, never skips, when Chromium or axe-core is missing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from tests.api.builders import make_risk
from tests.conftest import make_token
from tests.pages.conftest import CHROMIUM

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.browser


def _needs(tool: str, missing: bool, how: str) -> None:
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the axe-core test: {how}")
        pytest.skip(f"{tool} is not installed ({how})")


def serious(page: Any) -> list[str]:
    """The serious and critical axe-core violations on the page, one line per element."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


def test_pages_and_html_reports_pass_axe_core(server: str, app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    _needs("Debian's chromium", CHROMIUM is None, "apt-get install chromium")
    _needs("axe-core", not AXE.exists(), "npm install --no-save axe-core in the project root")
    from playwright.sync_api import sync_playwright

    # A risk in every band, so that every band colour is on the page with its name.
    make_risk(client, "CP", "CP03", (2, 3), date(2025, 9, 1), title="Medium risk", controls=["Audit"])
    high = make_risk(client, "CP", "CP04", (3, 3), date(2025, 9, 1), title="High risk", aliases=["ST05"])
    escalated = client.post(f"/api/v1/risks/{high['id']}/escalate", json={"reason": "Council-wide"})
    assert escalated.status_code == 201, escalated.text
    token = make_token(app.state.engine, Role.AUDITOR, name="axe-auditor")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(bypass_csp=True)  # the pages' CSP would refuse the injected axe.min.js
            page.goto(server + "/")
            assert serious(page) == [], "sign-in page"
            page.fill("#token", token)
            page.click("input[type=submit]")
            page.wait_for_selector("#services")
            assert serious(page) == [], "home page"
            for cell in page.locator("#heatmap-table td").all():
                assert cell.locator(".band-name").inner_text() in {"Low", "Medium", "High", "Very High"}
            reports = [server + "/api/v1/reports/register?service=CP&format=html"]
            reports += [
                server + href
                for href in page.eval_on_selector_all(
                    "a[href*='six-monthly'][href*='format=html']",
                    "links => links.map(a => a.getAttribute('href'))",
                )
            ]
            assert len(reports) == 3
            reports.append(server + "/api/v1/reports/corporate-register?format=html")
            for url in reports:
                response = page.request.get(url)
                assert response.ok, url
                page.set_content(response.text())
                assert page.locator("h1").count() == 1, url
                assert serious(page) == [], url
        finally:
            browser.close()
