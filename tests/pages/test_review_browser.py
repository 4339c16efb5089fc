"""An officer's and an auditor's day in headless Chromium (Debian's) over a real server: record a
review round, see the register move, add and complete an action; filter the high-risk list as
of a past date, and be refused a write. Fields are found by their visible labels. People sign
in with their council account: the npm oidc-provider on loopback (tests/pages/oidc.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.access.principal import Role
from app.clock import today
from app.config import Settings
from app.models import AuditEvent
from tests.pages.conftest import CHROMIUM, CHROMIUM_ARGS, needs_chromium, page_client
from tests.pages.oidc import PEOPLE, OidcProvider, oidc_provider, oidc_settings, sign_in_with_oidc  # noqa: F401
from tests.pages.test_pages import round_fields

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings, oidc_provider: OidcProvider) -> Settings:  # noqa: F811
    """riskreg signing people in with the provider on loopback."""
    return oidc_settings(settings, oidc_provider)


def sign_in(page: Any, site: str, username: str) -> None:
    """Sign `username` in through the provider, as a person would, and land on the home page."""
    sign_in_with_oidc(page, site, username)
    page.wait_for_selector("#services")


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _residual_of(page: Any, ref: str) -> str:
    row = page.locator("#register tbody tr", has=page.get_by_role("link", name=ref, exact=True))
    return str(row.locator("td.residual").inner_text()).strip()


def test_an_officer_records_a_review_round_and_follows_an_action(server: str, app: FastAPI) -> None:
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            sign_in(page, server, "jane")  # an editor of CP, by her group
            page.get_by_role("link", name="Community Partnerships (CP)").click()
            page.wait_for_selector("#register")
            assert _residual_of(page, "CP01") == "Very High (12)"

            page.get_by_role("link", name="Record the review round").click()
            cp01 = page.get_by_role("group", name=re.compile("^CP01"))
            assert cp01.get_by_label("Likelihood").input_value() == "3"  # its current position
            cp01.get_by_label("Likelihood").select_option("1")
            cp01.get_by_label("Impact").select_option("2")
            cp01.get_by_label("Reviewed on").fill(today().isoformat())
            cp01.get_by_label("Notes").fill("New supplier in place")
            # A day in the future is refused next to its field, and nothing is saved.
            cp02 = page.get_by_role("group", name=re.compile("^CP02"))
            cp02.get_by_label("Reviewed on").fill((today() + timedelta(days=2)).isoformat())
            page.get_by_role("button", name="Record review").click()
            assert page.get_by_role("alert").filter(has_text="The review was not recorded").is_visible()
            cp02 = page.get_by_role("group", name=re.compile("^CP02"))
            error = cp02.locator(".field-error")
            assert "in the future" in error.inner_text()
            assert cp02.get_by_label("Reviewed on").get_attribute("aria-describedby") == error.get_attribute(
                "id"
            )
            cp01 = page.get_by_role("group", name=re.compile("^CP01"))
            assert cp01.get_by_label("Notes").input_value() == "New supplier in place"  # kept
            cp02.get_by_label("Reviewed on").fill(today().isoformat())
            page.get_by_role("button", name="Record review").click()

            page.wait_for_selector("#register")
            assert (
                page.get_by_role("status").inner_text().startswith("The review round was recorded: 2 risks")
            )
            assert _residual_of(page, "CP01") == "Low (2)"  # the register moved

            page.get_by_role("link", name="CP01", exact=True).click()
            page.get_by_label("Action", exact=True).fill("Test the new supplier's failover")
            page.get_by_label("Owner").fill("ICT Manager")
            page.get_by_label("Due on").fill((today() + timedelta(days=30)).isoformat())
            page.get_by_role("button", name="Add action").click()
            article = page.locator("article.action", has_text="Test the new supplier's failover")
            assert article.locator(".action-status").inner_text() == "planned"
            article.get_by_label("Progress note").fill("Supplier booked for the test")
            article.get_by_role("button", name="Add progress note").click()
            article = page.locator("article.action", has_text="Test the new supplier's failover")
            assert "Supplier booked for the test" in article.inner_text()
            article.get_by_role("button", name="Complete action").click()
            article = page.locator("article.action", has_text="Test the new supplier's failover")
            assert article.locator(".action-status").inner_text() == "done"
            assert page.get_by_role("status").inner_text() == "The action was marked as done."
            assert page.locator("#score-chart-title").count() == 1
        finally:
            browser.close()
    with Session(app.state.engine) as session:
        actors = session.exec(
            select(AuditEvent.actor).where(
                AuditEvent.action.in_(["service.review", "action.create", "action.progress", "action.update"])
            )  # type: ignore[attr-defined]
        ).all()
    assert len(actors) >= 4  # the round, and the action made, noted and completed
    assert set(actors) == {PEOPLE["jane"]["shown"]}  # the audit trail names the person


def test_an_auditor_filters_the_high_risks_as_of_a_past_date_and_is_refused_a_write(
    server: str, app: FastAPI
) -> None:
    needs_chromium()
    from playwright.sync_api import sync_playwright

    officer = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    fields = round_fields(officer.get("/services/CP/review").text) | {"r0-likelihood": "1", "r0-impact": "1"}
    assert officer.post("/services/CP/review", data=fields).status_code == 303  # CP01 is Low since today

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            sign_in(page, server, "alan")  # an auditor, by his group
            page.get_by_role("link", name="High risks").click()
            page.wait_for_selector("#high-risks")
            assert (
                page.locator("#high-risks tbody").inner_text().strip()
                == "No open risk matches these filters."
            )
            page.get_by_label("As of").fill((today() - timedelta(days=1)).isoformat())
            page.get_by_role("button", name="Filter").click()
            page.wait_for_selector("#high-risks")
            rows = page.locator("#high-risks tbody tr")
            assert rows.count() == 1
            assert "CP01" in rows.first.inner_text()
            assert "Very High" in rows.first.inner_text()

            rows.first.get_by_role("link", name="CP01").click()
            assert page.get_by_role("button", name="Add action").count() == 0  # no form it could not send
            csrf = page.locator("input[name=csrf]").first.get_attribute("value")
            risk_path = page.url.split(server)[1].split("?")[0]
            refused = page.request.post(
                server + risk_path + "/actions",
                form={
                    "csrf": csrf,
                    "description": "Audit's own action",
                    "owner": "Audit",
                    "due_on": "2030-01-31",
                },
            )
            assert refused.status == 403
            assert "Nothing was changed" in refused.text()
            page.reload()
            assert "Audit's own action" not in page.content()

            page.get_by_role("link", name="Audit trail").click()
            assert "The trail is intact" in page.locator("#verification").inner_text()
            assert "Jane Smith" in page.locator("#trail").inner_text()
        finally:
            browser.close()


def test_the_service_page_and_review_round_fit_a_phone(server: str) -> None:
    """At 390 px nothing spills out of its card: wide tables scroll inside theirs."""
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            sign_in(page, server, "jane")
            for path in ("/services/CP", "/services/CP/review"):
                page.goto(server + path)
                overflowing = page.evaluate(
                    """() => [...document.querySelectorAll('section, fieldset')]
                        .filter(s => s.scrollWidth > s.clientWidth + 1)
                        .map(s => s.id || s.tagName)"""
                )
                assert overflowing == [], path
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        finally:
            browser.close()
