"""A real OpenID Connect provider for tests, and signing in through it as a council person would.

The provider is the npm `oidc-provider` package (tests/pages/oidc_provider.mjs) on loopback,
started once per test session. Its issuer is `http://localhost:PORT` while riskreg is served on
`http://127.0.0.1:PORT`: two sites, as the council's provider and riskreg are, so the cookies
cross a site boundary as they do in production.

Use from a test module (the names are fixtures; import them so pytest finds them):

    from tests.pages.oidc import PEOPLE, oidc_provider, oidc_settings, serve, sign_in_with_oidc  # noqa: F401

    @pytest.fixture
    def settings(settings, oidc_provider):  # riskreg's settings, signing in with the provider
        return oidc_settings(settings, oidc_provider)

    def test_officer(app, client, oidc_provider):
        with serve(app) as site:                        # uvicorn on 127.0.0.1, a free port
            with httpx.Client() as browser:
                home = sign_in_with_oidc(browser, site, "jane")   # follows every redirect
            # or, with playwright: sign_in_with_oidc(page, site, "jane")

People (`PEOPLE`, by username): jane (editor of CP), priya (editor of HR), alan (auditor),
amina (admin), max (in the CP and HR officers' groups and the audit team: editor of CP and HR),
sam (in no group riskreg knows: refused with 403). Their display names, as the audit trail
shows them, are in `PEOPLE[username]["shown"]`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from app.config import GroupGrant, Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
NODE = shutil.which("node")
PROVIDER_PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"

CLIENT_ID = "riskreg"
CLIENT_SECRET = "riskreg-test-client-secret"
PUBLIC_CLIENT_ID = "riskreg-public"
#: Known to the tests, so that they can read, forge and age the session cookie.
SESSION_SECRET = "test-session-secret-0123456789abcdef"

#: Entra ID sends group object ids: opaque GUIDs.
CP_OFFICERS = "6c0f2f43-5a2e-4b71-9d0e-0c6a1b8e2f01"
HR_OFFICERS = "9b3d7e10-2c44-4f0a-8e55-7a1c3d9e4f02"
AUDIT_TEAM = "2f8a6c91-7d3b-4e2c-a1f4-5b6e8d0c3a03"
RISK_ADMINS = "e4d2b7a8-1f9c-4c3e-b2a7-8d5f6e1a9b04"
CANTEEN = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05"  # mapped to nothing

GROUPS: dict[str, GroupGrant] = {
    CP_OFFICERS: GroupGrant(role="editor", services=("CP",)),
    HR_OFFICERS: GroupGrant(role="editor", services=("HR",)),
    AUDIT_TEAM: GroupGrant(role="auditor"),
    RISK_ADMINS: GroupGrant(role="admin"),
}

PEOPLE: dict[str, dict[str, Any]] = {
    "jane": {
        "name": "Jane Smith",
        "email": "jane.smith@council.gov.uk",
        "preferred_username": "jane.smith@council.gov.uk",
        "groups": [CP_OFFICERS],
        "shown": "Jane Smith <jane.smith@council.gov.uk>",
    },
    "priya": {
        "name": "Priya Shah",
        "email": "priya.shah@council.gov.uk",
        "groups": [HR_OFFICERS, CANTEEN],
        "shown": "Priya Shah <priya.shah@council.gov.uk>",
    },
    "alan": {
        "name": "Alan Turner",
        "email": "alan.turner@council.gov.uk",
        "groups": [AUDIT_TEAM],
        "shown": "Alan Turner <alan.turner@council.gov.uk>",
    },
    "amina": {
        "name": "Amina Rahman",
        "email": "amina.rahman@council.gov.uk",
        "groups": [RISK_ADMINS],
        "shown": "Amina Rahman <amina.rahman@council.gov.uk>",
    },
    "max": {
        # No name claim: Entra ID's preferred_username (the sign-in name) stands in for the email.
        "preferred_username": "max.okafor@council.gov.uk",
        "groups": [CP_OFFICERS, AUDIT_TEAM, HR_OFFICERS],
        "shown": "max.okafor@council.gov.uk",
    },
    "sam": {
        "name": "Sam Jones",
        "email": "sam.jones@council.gov.uk",
        "groups": [CANTEEN],
        "shown": "Sam Jones <sam.jones@council.gov.uk>",
    },
}


@dataclass(frozen=True)
class OidcProvider:
    """The running provider: its issuer and riskreg's clients there."""

    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    public_client_id: str = PUBLIC_CLIENT_ID


def _needs(tool: str, missing: bool, how: str) -> None:
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the OpenID Connect tests: {how}")
        pytest.skip(f"{tool} is not installed ({how})")


def _provider_config() -> dict[str, Any]:
    # Native clients: a loopback redirect URI matches whatever port riskreg is served on.
    redirect = {"redirect_uris": ["http://127.0.0.1/signin/callback"], "application_type": "native"}
    code_flow = {"grant_types": ["authorization_code"], "response_types": ["code"]}
    return {
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **redirect, **code_flow},
            {"client_id": PUBLIC_CLIENT_ID, "token_endpoint_auth_method": "none", **redirect, **code_flow},
        ],
        "users": {
            username: {key: value for key, value in claims.items() if key != "shown"}
            for username, claims in PEOPLE.items()
        },
    }


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """The npm oidc-provider on loopback for the whole test session; stopped at its end."""
    _needs("node", NODE is None, "apt-get install nodejs npm")
    _needs("oidc-provider", not PROVIDER_PACKAGE.exists(), "npm install in the project root (package.json)")
    assert NODE is not None
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(_provider_config())}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [NODE, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        try:
            issuer = _first_line(process, stderr)
            yield OidcProvider(issuer=issuer)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _first_line(process: subprocess.Popen[str], stderr: Any) -> str:
    """The issuer the provider prints once it listens (30 s at most)."""
    found: list[str] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline() if process.stdout else "")
    )
    reader.start()
    reader.join(timeout=30)
    if not found or not found[0].startswith("issuer "):
        process.kill()
        stderr.seek(0)
        raise RuntimeError(f"the OpenID Connect provider did not start: {stderr.read().decode()[-2000:]}")
    return found[0].split()[1]


def oidc_settings(settings: Settings, provider: OidcProvider, **changes: Any) -> Settings:
    """`settings` signing people in with `provider` (riskreg's confidential client there, the
    groups above), with a session secret the tests know; `changes` override any of it."""
    values: dict[str, Any] = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": provider.client_id,
        "oidc_client_secret": SecretStr(provider.client_secret),
        "oidc_groups": GROUPS,
        "session_secret": SecretStr(SESSION_SECRET),
    }
    return settings.model_copy(update=values | changes)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 (a free port) while the block runs: its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


_LOGIN_FORM = re.compile(r'action="(/interaction/[\w-]+/login)"')


def sign_in_with_oidc(target: Any, site: str, username: str, *, next_path: str | None = None) -> Any:
    """Sign in to riskreg at `site` as `username` through the provider, as a person would.

    `target` is an `httpx.Client` (it follows every redirect and keeps the cookies; the
    answer of the last page is returned: riskreg's home page, or the page it refused with)
    or a playwright `Page` (it clicks "Sign in with your council account" on riskreg's
    sign-in page, types the username in the provider's form, and waits until the browser is
    back on riskreg; returns None). `next_path`: the page of riskreg to land on (default /).
    """
    start = f"{site}/signin/oidc" + (f"?next={next_path}" if next_path else "")
    if isinstance(target, httpx.Client):
        login = target.get(start, follow_redirects=True)
        assert login.status_code == 200, login.text
        action = _LOGIN_FORM.search(login.text)
        assert action is not None, f"no sign-in form at the provider: {login.text[:500]}"
        return target.post(
            str(login.url.join(action.group(1))), data={"username": username}, follow_redirects=True
        )
    page = target
    if next_path:
        page.goto(start)
    else:
        page.goto(site + "/")
        page.get_by_role("link", name="Sign in with your council account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url.startswith(site))
    page.wait_for_load_state()
    return None
