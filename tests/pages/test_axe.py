"""axe-core finds no serious or critical violation on the pages and the HTML reports as downloaded.

axe-core is the npm package (`npm install --no-save axe-core`, as .ci/run does); its
axe.min.js is injected into Debian's headless Chromium. CI must run this test: there it
fails, never skips, when Chromium or axe-core is missing.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from tests.api.builders import make_action, make_risk
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


def test_every_page_for_people_passes_axe_core(server: str, app, client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    """Each page an officer, an admin or an auditor opens, a refused review round and a refused
    action form among them, has no serious or critical axe-core violation."""
    _needs("Debian's chromium", CHROMIUM is None, "apt-get install chromium")
    _needs("axe-core", not AXE.exists(), "npm install --no-save axe-core in the project root")
    from playwright.sync_api import sync_playwright

    # Every band on the register, an escalated risk, an action with progress, an appetite statement.
    make_risk(client, "CP", "CP03", (2, 3), date(2025, 9, 1), title="Medium risk", category="people")
    high = make_risk(client, "CP", "CP04", (3, 3), date(2025, 9, 1), title="High risk", category="technology")
    assert (
        client.post(f"/api/v1/risks/{high['id']}/escalate", json={"reason": "Council-wide"}).status_code
        == 201
    )
    action = make_action(client, high["id"], description="Move the servers")
    added = client.post(f"/api/v1/actions/{action['id']}/updates", json={"note": "Racks ordered"})
    assert added.status_code == 201, added.text
    appetite = {
        "approved_by": "Audit Committee",
        "approved_on": "2025-06-01",
        "categories": [{"category": "technology", "level": "cautious"}],
    }
    assert client.put("/api/v1/appetite", json=appetite).status_code == 201
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(bypass_csp=True)  # the pages' CSP would refuse the injected axe.min.js
            sign_in(page, role=Role.ADMIN, name="Risk Manager")
            for path in (
                "/services/CP",
                "/services/CP?band=High&status=all",
                "/services/CP/review",
                f"/risks/{high['id']}",
                "/audit/high-risks",
                "/audit/high-risks?filtered=1&as_of=2025-10-01&above=yes",
                "/audit/trail",
                "/risks/999999",  # the error page
            ):
                page.goto(server + path)
                assert page.locator("main h2").count() >= 1, path
                assert serious(page) == [], path
            # The review round refused, its errors shown by their fields.
            page.goto(server + "/services/CP/review")
            page.get_by_role("group", name=re.compile("^CP01")).get_by_label("Reviewed on").fill("2999-01-01")
            page.get_by_role("button", name="Record review").click()
            page.wait_for_selector(".error-summary")
            assert page.locator(".field-error").count() >= 1
            assert serious(page) == [], "the refused review round"
            # An action form refused on the risk page.
            page.goto(server + f"/risks/{high['id']}")
            page.get_by_label("Owner").fill("ICT")
            page.get_by_role("button", name="Add action").click()
            page.wait_for_selector(".error-summary")
            assert serious(page) == [], "the refused action form"
        finally:
            browser.close()
