"""Security headers through HTTP: pages, API answers and downloads, the sign-in form, the docs."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.api.builders import make_risk, make_service


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Content-Security-Policy as {directive: sources}."""
    directives = (d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_pages_forbid_scripts_framing_sniffing_and_cross_site_referrers(anonymous: TestClient) -> None:
    page = anonymous.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = _policy(page)
    assert policy["default-src"] == "'none'"
    assert "script-src" not in policy  # no script at all, inline or not
    assert policy["frame-ancestors"] == "'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"


def test_api_answers_and_downloads_are_never_stored(client: TestClient) -> None:
    make_service(client, "CP", "Community Partnerships")
    make_risk(client, "CP", "CP01", (3, 4), date(2025, 9, 1))
    for path in (
        "/api/v1/services",
        "/api/v1/risks",
        "/api/v1/matrix",
        "/api/v1/reports/heatmap?format=png",
        "/api/v1/reports/register?service=CP&format=csv",
        "/api/v1/reports/register?service=CP&format=html",
        "/api/v1/no-such-route",
    ):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
    html = client.get("/api/v1/reports/register?service=CP&format=html")
    assert html.status_code == 200
    assert "script-src" not in _policy(html)


def test_cross_site_sign_in_forms_are_refused(anonymous: TestClient) -> None:
    def sign_in(**headers: str) -> int:
        response = anonymous.post("/session", data={"token": "rr_x"}, headers=headers, follow_redirects=False)
        return response.status_code

    assert sign_in(origin="https://evil.example") == 403
    assert sign_in(origin="null") == 403
    assert sign_in(origin="http://testserver.evil.example") == 403
    assert sign_in(referer="https://evil.example/login.html") == 403
    assert sign_in(**{"sec-fetch-site": "cross-site"}) == 403
    assert sign_in(**{"sec-fetch-site": "same-site", "origin": "http://testserver"}) == 403
    assert sign_in(origin="http://testserver") == 303
    assert sign_in(origin="https://testserver") == 303  # TLS ended by a proxy in front
    assert sign_in(referer="http://testserver/") == 303
    assert sign_in(**{"sec-fetch-site": "same-origin", "origin": "http://testserver"}) == 303
    assert sign_in() == 303  # no browser page posted it: no login CSRF


@pytest.fixture
def public_app(settings: Settings) -> Iterator[FastAPI]:
    made = create_app(
        settings.model_copy(update={"public_origin": "https://risks.example.gov.uk", "secure_cookies": True})
    )
    yield made
    made.state.engine.dispose()


def test_a_public_origin_is_the_only_one_accepted_and_cookies_are_secure(public_app: FastAPI) -> None:
    with TestClient(public_app) as behind_proxy:
        refused = behind_proxy.post(
            "/session",
            data={"token": "rr_x"},
            headers={"origin": "http://testserver"},
            follow_redirects=False,
        )
        assert refused.status_code == 403
        taken = behind_proxy.post(
            "/session",
            data={"token": "rr_x"},
            headers={"origin": "https://risks.example.gov.uk"},
            follow_redirects=False,
        )
        assert taken.status_code == 303
        assert "secure" in taken.headers["set-cookie"].lower()


def test_the_cookie_is_secure_over_https_only(anonymous: TestClient, app: FastAPI) -> None:
    plain = anonymous.post("/session", data={"token": "rr_x"}, follow_redirects=False)
    cookie = plain.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" not in cookie
    with TestClient(app, base_url="https://testserver") as tls:
        over_tls = tls.post("/session", data={"token": "rr_x"}, follow_redirects=False)
        assert "secure" in over_tls.headers["set-cookie"].lower()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_every_asset_from_the_app_under_their_policy(anonymous: TestClient, page: str) -> None:
    response = anonymous.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn" not in html.lower()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert scripts
    expected = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in scripts + styles:
        assert url.startswith("/"), url  # served here, not from another host
        asset = anonymous.get(url)
        assert asset.status_code == 200, url
        kind = next(v for k, v in expected.items() if url.endswith(k))
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 1000, url
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    for inline in re.findall(r"<script>(.*?)</script>", html, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.head(page).status_code == 200
