"""Sign-in with OpenID Connect against a real provider (npm oidc-provider on loopback).

Code flow with PKCE (S256), state and nonce, through httpx and through Debian's headless
Chromium; the role and services from groups; refusals as pages (4xx/502) that leave no
session; the signed session cookie forged or aged; sign-out; the audit trail naming the person.
"""

from __future__ import annotations

import html
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr, ValidationError

from app.access.people import display_name, groups_of, principal_of
from app.access.principal import Principal, Role
from app.api import browser_session
from app.api.signin import FLOW_COOKIE
from app.clock import Calendar, today
from app.config import GroupGrant, Settings
from app.db import transaction
from app.errors import Forbidden, NotFound
from app.main import create_app
from app.risks import service as risks
from app.risks.schemas import RiskCreate
from tests.api.builders import make_risk, make_service
from tests.cli.command import riskreg
from tests.pages.oidc import (
    AUDIT_TEAM,
    CP_OFFICERS,
    GROUPS,
    HR_OFFICERS,
    PEOPLE,
    RISK_ADMINS,
    SESSION_SECRET,
    OidcProvider,
    oidc_provider,  # noqa: F401 (the fixture)
    oidc_settings,
    serve,
    sign_in_with_oidc,
)
from tests.pages.test_browser import CHROMIUM

SESSION_SALT = "riskreg.pages.session"
FLOW_SALT = "riskreg.signin.oidc"


@pytest.fixture
def settings(settings: Settings, oidc_provider: OidcProvider) -> Settings:  # noqa: F811
    return oidc_settings(settings, oidc_provider)


@pytest.fixture
def site(app, client: TestClient) -> Iterator[str]:
    """riskreg on loopback with two services, each with a risk."""
    make_service(client, "CP", "Community Partnerships")
    make_service(client, "HR", "Human Resources")
    make_risk(client, "CP", "CP01", title="Total failure of ICT systems")
    make_risk(client, "HR", "HR01", title="Loss of key staff")
    with serve(app) as url:
        yield url


def _session_cookie(browser: httpx.Client) -> str | None:
    return browser.cookies.get(browser_session.COOKIE)


def _session_of(browser: httpx.Client) -> dict[str, Any]:
    value = _session_cookie(browser)
    assert value is not None, "no session cookie"
    data: dict[str, Any] = URLSafeTimedSerializer(SESSION_SECRET, salt=SESSION_SALT).loads(value)
    return data


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie of `response` by cookie name (the whole header, lower-cased)."""
    return {header.split("=", 1)[0]: header.lower() for header in response.headers.get_list("set-cookie")}


def _signed_out(browser: httpx.Client, site: str) -> bool:
    home = browser.get(site + "/")
    assert home.status_code == 200, home.text
    return 'action="/session"' in home.text and "Sign out" not in home.text


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"RISKREG_OIDC_GROUPS": "{not json"}, "not JSON"),
        (
            {"RISKREG_OIDC_GROUPS": '{"g": {"role": "boss"}}'},
            "Input should be 'admin', 'editor' or 'auditor'",
        ),
        ({"RISKREG_OIDC_GROUPS": '{"g": {"role": "editor"}}'}, "must name the services"),
        (
            {"RISKREG_OIDC_GROUPS": '{"g": {"role": "auditor", "services": ["CP"]}}'},
            "give its group no services",
        ),
        ({"RISKREG_OIDC_GROUPS": '{"g": {"role": "editor", "services": ["C P"]}}'}, "is not a service code"),
        (
            {"RISKREG_OIDC_GROUPS": '{"g": {"role": "admin", "service": []}}'},
            "Extra inputs are not permitted",
        ),
        ({"RISKREG_OIDC_ISSUER": "https://idp.example"}, "RISKREG_OIDC_CLIENT_ID must be set"),
        (
            {"RISKREG_OIDC_ISSUER": "http://idp.example", "RISKREG_OIDC_CLIENT_ID": "x"},
            "must be an https:// URL",
        ),
        ({"RISKREG_OIDC_ISSUER": "https://idp.example", "RISKREG_OIDC_CLIENT_ID": "x"}, "maps no group"),
        (
            {
                "RISKREG_OIDC_ISSUER": "https://idp.example",
                "RISKREG_OIDC_CLIENT_ID": "x",
                "RISKREG_OIDC_SCOPES": "profile email",
                "RISKREG_OIDC_GROUPS": '{"g": {"role": "admin"}}',
            },
            "must include openid",
        ),
    ],
)
def test_a_bad_sign_in_setting_is_refused_naming_it(
    env: dict[str, str], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert reason in str(refused.value)


def test_the_group_mapping_is_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKREG_OIDC_ISSUER", "https://login.microsoftonline.com/tenant-id/v2.0/")
    monkeypatch.setenv("RISKREG_OIDC_CLIENT_ID", "app-id")
    monkeypatch.setenv(
        "RISKREG_OIDC_GROUPS",
        '{"g1": {"role": "editor", "services": ["cp", "HR", "CP"]}, "g2": {"role": "auditor"}}',
    )
    settings = Settings(_env_file=None)
    assert settings.oidc_issuer == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert settings.oidc_groups == {
        "g1": GroupGrant(role="editor", services=("CP", "HR")),
        "g2": GroupGrant(role="auditor"),
    }
    assert settings.oidc_scopes == "openid profile email"
    assert settings.oidc_groups_claim == "groups"


def test_serve_stops_with_one_line_on_a_bad_group_mapping(tmp_path) -> None:
    ran = riskreg(
        tmp_path,
        "serve",
        "--port",
        "0",
        settings={
            "RISKREG_OIDC_ISSUER": "https://idp.example",
            "RISKREG_OIDC_CLIENT_ID": "riskreg",
            "RISKREG_OIDC_GROUPS": '{"6c0f2f43": {"role": "superuser"}}',
        },
    )
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.strip().count("\n") == 0, ran.stderr
    assert "RISKREG_OIDC_GROUPS 6c0f2f43.role: Input should be 'admin', 'editor' or 'auditor'" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert list(tmp_path.iterdir()) == []  # no database made for a server that cannot start


# -- who a person is ------------------------------------------------------------------------


def test_groups_combine_highest_role_and_every_service() -> None:
    assert principal_of([CP_OFFICERS], GROUPS, "J") == Principal("J", Role.EDITOR, frozenset({"CP"}))
    both = principal_of([CP_OFFICERS, "unknown", HR_OFFICERS, AUDIT_TEAM], GROUPS, "M")
    assert both == Principal("M", Role.EDITOR, frozenset({"CP", "HR"}))
    assert principal_of([AUDIT_TEAM], GROUPS, "A") == Principal("A", Role.AUDITOR)
    assert principal_of([AUDIT_TEAM, RISK_ADMINS, CP_OFFICERS], GROUPS, "R") == Principal("R", Role.ADMIN)
    assert principal_of(["unknown"], GROUPS, "S") is None
    assert principal_of([], GROUPS, "S") is None


def test_groups_claim_is_a_list_or_one_string() -> None:
    assert groups_of({"groups": ["a", "b", 3]}, "groups") == ["a", "b"]
    assert groups_of({"roles": "a"}, "roles") == ["a"]
    assert groups_of({"groups": {"a": 1}}, "groups") == []
    assert groups_of({}, "groups") == []


@pytest.mark.parametrize(
    ("claims", "shown"),
    [
        (
            {"sub": "1", "name": "Jane Smith", "email": "jane@council.gov.uk"},
            "Jane Smith <jane@council.gov.uk>",
        ),
        (
            {"sub": "1", "name": "Jane Smith", "preferred_username": "js@council.gov.uk"},
            "Jane Smith <js@council.gov.uk>",
        ),
        ({"sub": "1", "preferred_username": "js@council.gov.uk"}, "js@council.gov.uk"),
        ({"sub": "1", "preferred_username": "jsmith", "email": "js@c.gov.uk"}, "jsmith <js@c.gov.uk>"),
        ({"sub": "1", "name": "Jane\nSmith\u0007 ", "email": 42}, "Jane Smith"),
        ({"sub": "AAAAA-123"}, "subject AAAAA-123"),
    ],
)
def test_the_person_is_named_from_the_claims(claims: dict[str, Any], shown: str) -> None:
    assert display_name(claims) == shown


def test_a_long_name_keeps_its_email_within_the_audit_trails_limit() -> None:
    shown = display_name({"sub": "1", "name": "N" * 400, "email": "jane@council.gov.uk"})
    assert len(shown) <= 200
    assert shown.endswith("… <jane@council.gov.uk>")


# -- the routes without a provider ----------------------------------------------------------


def test_without_a_provider_there_is_no_council_sign_in(tmp_path) -> None:
    plain = Settings(
        database_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}", warm_up_reports=False, _env_file=None
    )
    with TestClient(create_app(plain)) as anonymous:
        page = anonymous.get("/")
        assert page.status_code == 200
        assert "council account" not in page.text
        assert anonymous.get("/signin/oidc", follow_redirects=False).status_code == 404
        assert anonymous.get("/signin/callback?code=x&state=y").status_code == 404
        paths = anonymous.get("/openapi.json").json()["paths"]
        assert not [path for path in paths if path.startswith(("/signin", "/signout"))]


# -- signing in through the provider --------------------------------------------------------


def test_an_officer_signs_in_with_code_and_pkce_and_sees_only_her_service(
    site: str,
    oidc_provider: OidcProvider,  # noqa: F811
) -> None:
    with httpx.Client() as browser:
        page = browser.get(site + "/")
        assert "Sign in with your council account" in page.text
        assert 'action="/session"' in page.text  # the token form stays
        started = browser.get(site + "/signin/oidc")
        assert started.status_code == 303
        sent = urlsplit(started.headers["location"])
        assert f"{sent.scheme}://{sent.netloc}" == oidc_provider.issuer
        query = {key: values[0] for key, values in parse_qs(sent.query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] == "riskreg"
        assert query["redirect_uri"] == site + "/signin/callback"
        assert query["scope"] == "openid profile email"
        assert query["code_challenge_method"] == "S256"
        assert len(query["code_challenge"]) == 43  # base64url of a SHA-256 digest, not the verifier
        assert len(query["state"]) >= 20
        assert len(query["nonce"]) >= 20
        flow_cookie = _set_cookies(started)[FLOW_COOKIE]
        assert "httponly" in flow_cookie
        assert "samesite=lax" in flow_cookie
        assert "path=/signin/" in flow_cookie
        assert "max-age=600" in flow_cookie
        flow = URLSafeTimedSerializer(SESSION_SECRET, salt=FLOW_SALT).loads(browser.cookies[FLOW_COOKIE])
        assert flow["state"] == query["state"]
        assert flow["nonce"] == query["nonce"]
        assert query["code_challenge"] != flow["code_verifier"]

        home = sign_in_with_oidc(browser, site, "jane")
        assert home.status_code == 200, home.text
        assert str(home.url) == site + "/"
        assert "Jane Smith &lt;jane.smith@council.gov.uk&gt; (editor)" in home.text
        assert "Community Partnerships (CP)" in home.text
        assert "Human Resources" not in home.text
        callback = home.history[-1]
        assert callback.url.path == "/signin/callback"
        assert callback.status_code == 303
        cookies = _set_cookies(callback)
        session_cookie = cookies[browser_session.COOKIE]
        assert "httponly" in session_cookie
        assert "samesite=lax" in session_cookie
        assert f"max-age={8 * 3600}" in session_cookie
        assert "max-age=0" in cookies[FLOW_COOKIE] or "expires=thu, 01 jan 1970" in cookies[FLOW_COOKIE]
        data = _session_of(browser)
        assert data["person"] == {"name": PEOPLE["jane"]["shown"], "role": "editor", "services": ["CP"]}
        assert data["via"] == "oidc"
        assert data["issuer"] == oidc_provider.issuer
        assert data["subject"] == "jane"
        # The session is the pages' alone: the API still wants a token.
        assert browser.get(site + "/api/v1/services").status_code == 401


def test_several_groups_combine_and_the_sign_in_name_stands_in_for_a_missing_name(site: str) -> None:
    with httpx.Client() as browser:
        home = sign_in_with_oidc(browser, site, "max")
        assert home.status_code == 200, home.text
        assert "max.okafor@council.gov.uk (editor)" in home.text
        assert "Community Partnerships (CP)" in home.text
        assert "Human Resources (HR)" in home.text
        assert _session_of(browser)["person"]["services"] == ["CP", "HR"]


def test_a_public_client_signs_an_admin_in_with_pkce_alone(
    app,
    client: TestClient,
    oidc_provider: OidcProvider,  # noqa: F811
) -> None:
    app.state.settings = oidc_settings(
        app.state.settings,
        oidc_provider,
        oidc_client_id=oidc_provider.public_client_id,
        oidc_client_secret=None,
    )
    make_service(client, "HR", "Human Resources")
    with serve(app) as url, httpx.Client() as browser:
        home = sign_in_with_oidc(browser, url, "amina")
        assert home.status_code == 200, home.text
        assert "Amina Rahman &lt;amina.rahman@council.gov.uk&gt; (admin)" in home.text
        assert "Human Resources (HR)" in home.text


def test_the_page_asked_for_is_the_one_landed_on_and_never_another_site(site: str) -> None:
    with httpx.Client() as browser:
        docs = sign_in_with_oidc(browser, site, "alan", next_path="/docs")
        assert str(docs.url) == site + "/docs"
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        with httpx.Client() as browser:
            home = sign_in_with_oidc(browser, site, "alan", next_path=elsewhere)
            assert str(home.url) == site + "/", elsewhere


def test_a_person_in_no_known_group_is_refused_with_a_page_and_no_session(site: str) -> None:
    with httpx.Client() as browser:
        refused = sign_in_with_oidc(browser, site, "sam")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "Your account has no access to the risk register" in refused.text
        assert "Sam Jones &lt;sam.jones@council.gov.uk&gt;" in refused.text
        assert _session_cookie(browser) is None
        assert _signed_out(browser, site)


def test_a_cancelled_sign_in_is_a_page_and_no_session(site: str) -> None:
    with httpx.Client() as browser:
        login = browser.get(site + "/signin/oidc", follow_redirects=True)
        cancel = login.url.join(login.url.path + "/abort")
        refused = browser.post(str(cancel), follow_redirects=True)
        assert refused.url.path == "/signin/callback"
        assert refused.status_code == 403
        assert "Sign-in was cancelled or refused" in refused.text
        assert "access_denied" in refused.text
        assert _session_cookie(browser) is None


def _callback_with_code(browser: httpx.Client, site: str, username: str) -> str:
    """Go through the provider as `username` and stop before riskreg's callback: its URL."""
    login = browser.get(site + "/signin/oidc", follow_redirects=True)
    action = login.url.join(login.url.path + "/login")
    answer = browser.post(str(action), data={"username": username})
    while answer.is_redirect:
        location = str(answer.url.join(answer.headers["location"]))
        if location.startswith(site + "/signin/callback"):
            return location
        answer = browser.get(location)
    raise AssertionError(
        f"the provider did not send the browser back: {answer.status_code} {answer.text[:300]}"
    )


def _flow_with(browser: httpx.Client, **changes: str) -> str:
    serializer = URLSafeTimedSerializer(SESSION_SECRET, salt=FLOW_SALT)
    return serializer.dumps(serializer.loads(browser.cookies[FLOW_COOKIE]) | changes)


def test_a_bad_state_or_a_missing_or_forged_flow_is_a_400_and_no_session(site: str) -> None:
    with httpx.Client() as browser:
        back = _callback_with_code(browser, site, "jane")
        code = parse_qs(urlsplit(back).query)["code"][0]
        wrong_state = browser.get(f"{site}/signin/callback?code={code}&state=not-the-state")
        assert wrong_state.status_code == 400
        assert "does not match the one this browser started" in wrong_state.text
        assert _session_cookie(browser) is None
    with httpx.Client() as browser:
        back = _callback_with_code(browser, site, "jane")
        # Another browser, which started no sign-in, brings the same answer.
        with httpx.Client() as other:
            stranger = other.get(back)
            assert stranger.status_code == 400
            assert "no sign-in in progress for this browser" in stranger.text
            assert _session_cookie(other) is None
        forged = browser.cookies[FLOW_COOKIE][:-3] + "AAA"
        refused = httpx.get(back, headers={"Cookie": f"{FLOW_COOKIE}={forged}"})
        assert refused.status_code == 400
        no_code = httpx.get(
            back.split("?")[0] + "?state=" + parse_qs(urlsplit(back).query)["state"][0],
            headers={"Cookie": f"{FLOW_COOKIE}={browser.cookies[FLOW_COOKIE]}"},
        )
        assert no_code.status_code == 400
        assert "sent no code" in no_code.text
        # The flow is kept for ten minutes: an aged one is refused like a forged one.
        aged = URLSafeTimedSerializer(SESSION_SECRET, salt=FLOW_SALT, signer=_signer_ago(601))
        old = aged.dumps(
            URLSafeTimedSerializer(SESSION_SECRET, salt=FLOW_SALT).loads(browser.cookies[FLOW_COOKIE])
        )
        late = httpx.get(back, headers={"Cookie": f"{FLOW_COOKIE}={old}"})
        assert late.status_code == 400
        assert "set-cookie" not in late.headers or browser_session.COOKIE not in late.headers["set-cookie"]


def test_an_id_token_for_another_nonce_is_refused(site: str) -> None:
    with httpx.Client() as browser:
        back = _callback_with_code(browser, site, "jane")
        flow = _flow_with(browser, nonce="a-nonce-riskreg-never-sent")
        refused = httpx.get(back, headers={"Cookie": f"{FLOW_COOKIE}={flow}"})
        assert refused.status_code == 502
        assert "could not be trusted" in refused.text
        assert "nonce" in refused.text
        assert browser_session.COOKIE not in _set_cookies(refused)


def test_a_code_exchanged_without_its_verifier_is_refused_by_the_provider(site: str) -> None:
    with httpx.Client() as browser:
        back = _callback_with_code(browser, site, "jane")
        flow = _flow_with(browser, code_verifier="x" * 64)
        refused = httpx.get(back, headers={"Cookie": f"{FLOW_COOKIE}={flow}"})
        assert refused.status_code == 502
        assert "refused riskreg's request" in html.unescape(refused.text)
        assert "invalid_grant" in refused.text
        assert browser_session.COOKIE not in _set_cookies(refused)


def test_a_wrong_client_secret_is_a_502_page(app, client: TestClient, oidc_provider: OidcProvider) -> None:  # noqa: F811
    app.state.settings = oidc_settings(
        app.state.settings, oidc_provider, oidc_client_secret=SecretStr("not-the-secret")
    )
    with serve(app) as url, httpx.Client() as browser:
        refused = sign_in_with_oidc(browser, url, "jane")
        assert refused.status_code == 502
        assert "refused riskreg's request" in html.unescape(refused.text)
        assert "invalid_client" in refused.text
        assert "RISKREG_OIDC_CLIENT_SECRET" in refused.text
        assert _session_cookie(browser) is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_issuer_is_a_502_page(app, anonymous: TestClient, oidc_provider: OidcProvider) -> None:  # noqa: F811
    app.state.settings = oidc_settings(
        app.state.settings, oidc_provider, oidc_issuer=f"http://127.0.0.1:{_closed_port()}"
    )
    refused = anonymous.get("/signin/oidc", follow_redirects=False)
    assert refused.status_code == 502
    assert "could not be reached" in refused.text
    assert "set-cookie" not in refused.headers


def test_a_provider_that_names_another_issuer_is_a_502_page(
    app,
    anonymous: TestClient,
    oidc_provider: OidcProvider,  # noqa: F811
) -> None:
    # The same provider reached by another name: its discovery document names http://localhost:PORT.
    other_name = oidc_provider.issuer.replace("localhost", "127.0.0.1")
    app.state.settings = oidc_settings(app.state.settings, oidc_provider, oidc_issuer=other_name)
    refused = anonymous.get("/signin/oidc", follow_redirects=False)
    assert refused.status_code == 502
    assert "not the one configured" in refused.text
    assert f"names the issuer {oidc_provider.issuer}, not RISKREG_OIDC_ISSUER ({other_name})" in refused.text


def test_the_provider_answering_an_error_is_a_502_page(site: str) -> None:
    with httpx.Client() as browser:
        browser.get(site + "/signin/oidc")
        state = URLSafeTimedSerializer(SESSION_SECRET, salt=FLOW_SALT).loads(browser.cookies[FLOW_COOKIE])[
            "state"
        ]
        refused = browser.get(
            f"{site}/signin/callback",
            params={"error": "server_error", "error_description": "<b>down</b>", "state": state},
        )
        assert refused.status_code == 502
        assert "server_error: &lt;b&gt;down&lt;/b&gt;" in refused.text
        assert _session_cookie(browser) is None


# -- the session ----------------------------------------------------------------------------


def _signer_ago(seconds: int) -> type[TimestampSigner]:
    class Ago(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    return Ago


def test_a_forged_or_expired_session_is_signed_out(site: str) -> None:
    with httpx.Client() as browser:
        sign_in_with_oidc(browser, site, "jane")
        data = _session_of(browser)
        assert not _signed_out(browser, site)
        genuine = browser.cookies[browser_session.COOKIE]

    def home_with(value: str) -> bool:
        """Whether the home page, with `value` as the session cookie, asks to sign in."""
        home = httpx.get(site + "/", headers={"Cookie": f"{browser_session.COOKIE}={value}"})
        assert home.status_code == 200, home.text
        return 'action="/session"' in home.text and "Sign out" not in home.text

    assert not home_with(genuine)
    assert home_with("")
    assert home_with(genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"))
    promoted = data | {"person": data["person"] | {"role": "admin"}}
    forged_key = URLSafeTimedSerializer("another-secret", salt=SESSION_SALT).dumps(promoted)
    assert home_with(forged_key)
    unknown_role = data | {"person": data["person"] | {"role": "superuser"}}
    assert home_with(URLSafeTimedSerializer(SESSION_SECRET, salt=SESSION_SALT).dumps(unknown_role))
    aged = URLSafeTimedSerializer(SESSION_SECRET, salt=SESSION_SALT, signer=_signer_ago(8 * 3600 + 60))
    assert home_with(aged.dumps(data))
    recent = URLSafeTimedSerializer(SESSION_SECRET, salt=SESSION_SALT, signer=_signer_ago(7 * 3600))
    assert not home_with(recent.dumps(data))


def test_sign_out_ends_the_session_and_is_refused_from_another_site(site: str) -> None:
    with httpx.Client() as browser:
        sign_in_with_oidc(browser, site, "jane")
        for headers in (
            {"Origin": "https://evil.example"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Origin": "null"},
        ):
            refused = browser.post(site + "/signout", headers=headers)
            assert refused.status_code == 403, headers
            assert not _signed_out(browser, site)
        ended = browser.post(site + "/signout", headers={"Origin": site, "Sec-Fetch-Site": "same-origin"})
        assert ended.status_code == 303
        assert ended.headers["location"] == "/"
        assert browser_session.COOKIE not in browser.cookies
        assert _signed_out(browser, site)


# -- what a signed-in person does -----------------------------------------------------------


def _calendar() -> Calendar:
    return Calendar(today=today(), interval_months=6)


def _new_risk(ref: str) -> RiskCreate:
    return RiskCreate.model_validate({"ref": ref, "title": f"Risk {ref}", "response": "treat"})


def test_the_audit_trail_names_the_signed_in_person_and_the_groups_set_what_they_may_do(
    site: str,
    app,
    client: TestClient,
) -> None:
    people: dict[str, Principal] = {}
    for username in ("jane", "alan"):
        with httpx.Client() as browser:
            sign_in_with_oidc(browser, site, username)
            found = browser_session.principal(_session_of(browser))
            assert found is not None
            people[username] = found
    jane, alan = people["jane"], people["alan"]
    assert jane == Principal(PEOPLE["jane"]["shown"], Role.EDITOR, frozenset({"CP"}))
    assert alan == Principal(PEOPLE["alan"]["shown"], Role.AUDITOR)
    engine = app.state.engine
    with transaction(engine) as session:
        made = risks.create_public(session, jane, app.state.matrix, _calendar(), "CP", _new_risk("CP77"))
    # Another service is none of Jane's business (not even to know it is there); Alan reads, never writes.
    for who, code, refusal in ((jane, "HR", NotFound), (alan, "CP", Forbidden)):
        with pytest.raises(refusal), transaction(engine) as session:
            risks.create_public(session, who, app.state.matrix, _calendar(), code, _new_risk(f"{code}78"))
    trail = client.get("/api/v1/audit/events", params={"actor": "Jane Smith <jane.smith@council.gov.uk>"})
    assert [(e["actor_role"], e["action"], e["entity_id"]) for e in trail.json()["items"]] == [
        ("editor", "risk.create", str(made.id))
    ]
    by_alan = client.get("/api/v1/audit/events", params={"actor": alan.name}).json()["items"]
    assert by_alan == []


# -- in a browser ---------------------------------------------------------------------------


def _needs_chromium() -> None:
    if CHROMIUM is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")


def test_sign_in_and_out_in_headless_chromium(site: str) -> None:
    _needs_chromium()
    from playwright.sync_api import sync_playwright

    from tests.pages.test_axe import AXE, serious

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(bypass_csp=True)  # the pages' CSP would refuse the injected axe.min.js
            page.goto(site + "/")
            if AXE.exists():
                assert serious(page) == [], "sign-in page with the council sign-in"
            sign_in_with_oidc(page, site, "alan")
            assert page.url == site + "/"
            assert "Alan Turner <alan.turner@council.gov.uk> (auditor)" in page.locator("header").inner_text()
            listed = page.locator("#services").inner_text()
            assert "Community Partnerships (CP)" in listed
            assert "Human Resources (HR)" in listed
            cookie = next(c for c in page.context.cookies() if c["name"] == browser_session.COOKIE)
            assert cookie["httpOnly"]
            assert cookie["sameSite"] == "Lax"
            # The session never authorises the API: an auditor's browser cannot write through it.
            refused = page.request.post(site + "/api/v1/services", data={"code": "XX", "name": "X"})
            assert refused.status == 401
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_selector("#token")
            assert page.get_by_role("link", name="Sign in with your council account").is_visible()
            assert not [c for c in page.context.cookies() if c["name"] == browser_session.COOKIE]

            # In another browser context, a person riskreg does not know is refused.
            other = browser.new_page(bypass_csp=True)
            sign_in_with_oidc(other, site, "sam")
            assert other.get_by_role(
                "heading", name="Your account has no access to the risk register"
            ).is_visible()
            assert other.get_by_role("alert").is_visible()
            if AXE.exists():
                assert serious(other) == [], "refusal page"
            assert not [c for c in other.context.cookies() if c["name"] == browser_session.COOKIE]
        finally:
            browser.close()
