"""`riskreg remind` against a real SMTP server (aiosmtpd): one email per service with a contact email
and something due, listing its reviews and actions due within the days asked and overdue; each sent
one recorded in the audit trail, none that was not; `--dry-run` prints them and sends nothing."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi.testclient import TestClient

from app.clock import today
from tests.api.builders import make_action, make_risk, make_service
from tests.cli.command import riskreg

USER, PASSWORD = "riskreg", "s3cret-for-tests"
# The test server takes a login without TLS: it listens on 127.0.0.1 for the test alone.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Mailbox:
    """An SMTP handler that keeps what it accepts, refusing recipients at refused.example."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """Each accepted message: its envelope recipients and the parsed message."""
        out = []
        for envelope in self.envelopes:
            content = envelope.content if isinstance(envelope.content, bytes) else b""
            parsed = message_from_bytes(content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append((list(envelope.rcpt_tos), parsed))
        return out


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server that needs a login (over plain SMTP: it is local), and its port."""
    box, port = Mailbox(), _free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def smtp(port: int) -> dict[str, str]:
    return {
        "RISKREG_SMTP_HOST": "127.0.0.1",
        "RISKREG_SMTP_PORT": str(port),
        "RISKREG_SMTP_STARTTLS": "false",
        "RISKREG_SMTP_USER": USER,
        "RISKREG_SMTP_PASSWORD": PASSWORD,
        "RISKREG_SMTP_FROM": "risk.register@council.example.gov.uk",
        "RISKREG_SMTP_TIMEOUT_SECONDS": "10",
    }


@dataclass(frozen=True, slots=True)
class Server:
    """The running test SMTP server (what it accepted, its port), and `riskreg remind` run
    against it on the test's database."""

    box: Mailbox
    port: int
    cwd: Path
    database_url: str

    def remind(self, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`riskreg remind ARGS` with this server's SMTP settings (and `settings` over them)."""
        return riskreg(
            self.cwd,
            "remind",
            *args,
            database_url=self.database_url,
            settings=smtp(self.port) | (settings or {}),
        )


@pytest.fixture
def server(mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str) -> Server:
    """The SMTP server of `mailbox` and the command that sends to it."""
    box, port = mailbox
    return Server(box, port, tmp_path, database_url)


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def reminders_sent(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit/events", params={"action": "service.remind"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def register(client: TestClient) -> dict[str, Any]:
    """CP (with a contact): reviews overdue, due, never made and far off; actions overdue, due, far
    off and done. HS (with a contact): nothing due. CS (no contact): everything overdue."""
    client.post(
        "/api/v1/services",
        json={"code": "CP", "name": "Community Partnerships", "contact_email": "cp@council.example.gov.uk"},
    )
    client.post(
        "/api/v1/services",
        json={"code": "HS", "name": "Housing", "contact_email": "hs@council.example.gov.uk"},
    )
    make_service(client, "CS", "Corporate Services")
    overdue_review = make_risk(client, ref="CP01", reviewed_on=today() - timedelta(days=200))
    due_review = make_risk(client, ref="CP02")
    posted = client.post(
        f"/api/v1/risks/{due_review['id']}/reviews",
        json={"residual": {"likelihood": 2, "impact": 2}, "next_review_due": days(10)},
    )
    assert posted.status_code == 201, posted.text
    make_risk(client, ref="CP03")  # due in six months
    make_risk(client, ref="CP04", residual=None)  # never reviewed
    actions = {
        "overdue": make_action(
            client,
            overdue_review["id"],
            due_on=today() - timedelta(days=3),
            description="Recruit caseworkers",
        ),
        "due": make_action(
            client,
            overdue_review["id"],
            due_on=today() + timedelta(days=20),
            description="Train the triage team",
        ),
        "far": make_action(client, overdue_review["id"], due_on=today() + timedelta(days=100)),
        "done": make_action(client, overdue_review["id"], due_on=today() - timedelta(days=3), status="done"),
    }
    housing = make_risk(client, "HS", "HS01")
    make_action(client, housing["id"], due_on=today() + timedelta(days=100))
    corporate = make_risk(client, "CS", "CS01", reviewed_on=today() - timedelta(days=300))
    make_action(client, corporate["id"], due_on=today() - timedelta(days=30))
    return {name: a["id"] for name, a in actions.items()}


def test_each_service_is_told_what_is_due_and_overdue_and_it_is_recorded(
    client: TestClient, register: dict[str, int], server: Server
) -> None:
    box = server.box
    ran = server.remind()
    assert ran.returncode == 0, ran.stderr
    ((recipients, message),) = box.messages()
    assert recipients == ["cp@council.example.gov.uk"]
    assert message["To"] == "cp@council.example.gov.uk"
    assert message["From"] == "risk.register@council.example.gov.uk"
    assert (
        message["Subject"]
        == "Risk register: 3 reviews and 2 actions due or overdue for Community Partnerships (CP)"
    )
    text = message.get_content()
    overdue_part, due_part = text.split("Reviews due")
    assert "CP01" in overdue_part
    assert "CP04  Risk CP04  (never reviewed)" in overdue_part
    assert f"CP02  Risk CP02  (due {days(10)})" in due_part
    assert all(ref not in text for ref in ("CP03", "CS01", "HS01"))
    assert f"action {register['overdue']})" in text.split("Actions due")[0].split("Actions overdue")[1]
    assert (
        f"Train the triage team  owner: Community Safety Manager  (due {days(20)}; action {register['due']})"
        in text
    )
    assert f"action {register['far']})" not in text
    assert f"action {register['done']})" not in text
    assert "HS: nothing due within 30 days; no email" in ran.stdout
    assert "CP: told cp@council.example.gov.uk" in ran.stdout
    (entry,) = reminders_sent(client)
    assert (entry["entity_id"], entry["actor"]) == ("CP", "system (command line)")
    assert entry["after"]["reviews"] == ["CP04", "CP01", "CP02"]
    assert entry["after"]["actions"] == [register["overdue"], register["due"]]
    assert entry["after"]["to"] == "cp@council.example.gov.uk"
    # Within 120 days the far action is due too, and Housing's.
    wider = server.remind("--within", "120")
    assert wider.returncode == 0, wider.stderr
    assert [r for r, _ in box.messages()[1:]] == [
        ["cp@council.example.gov.uk"],
        ["hs@council.example.gov.uk"],
    ]
    assert f"action {register['far']})" in box.messages()[1][1].get_content()


def test_a_dry_run_prints_the_emails_and_sends_and_records_nothing(
    client: TestClient, register: dict[str, int], server: Server
) -> None:
    box = server.box
    ran = server.remind("--dry-run", "--within", "60")
    assert ran.returncode == 0, ran.stderr
    assert "To: cp@council.example.gov.uk" in ran.stdout
    assert (
        "Subject: Risk register: 3 reviews and 2 actions due or overdue for Community Partnerships (CP)"
        in ran.stdout
    )
    assert f"action {register['due']})" in ran.stdout
    assert "hs@council.example.gov.uk" not in ran.stdout
    assert box.messages() == []
    assert reminders_sent(client) == []


def test_smtp_down_names_the_service_not_told_exits_non_zero_and_records_nothing(
    tmp_path: Path, database_url: str, client: TestClient, register: dict[str, int]
) -> None:
    ran = riskreg(tmp_path, "remind", database_url=database_url, settings=smtp(_free_port()))
    assert ran.returncode != 0
    assert "CP (Community Partnerships) was not told" in ran.stderr
    assert "1 service(s) not told: CP" in ran.stderr
    assert reminders_sent(client) == []
    unset = riskreg(tmp_path, "remind", database_url=database_url)
    assert unset.returncode != 0
    assert "RISKREG_SMTP_HOST" in unset.stderr


def test_a_refused_recipient_fails_its_service_only(
    client: TestClient, register: dict[str, int], server: Server
) -> None:
    box = server.box
    changed = client.patch("/api/v1/services/HS", json={"contact_email": "housing@refused.example"})
    assert changed.status_code == 200, changed.text
    ran = server.remind("--within", "120")
    assert ran.returncode != 0
    assert "HS (Housing) was not told: the server refused housing@refused.example (550" in ran.stderr
    assert [r for r, _ in box.messages()] == [["cp@council.example.gov.uk"]]
    assert [e["entity_id"] for e in reminders_sent(client)] == ["CP"]


def test_a_wrong_password_is_not_told(client: TestClient, register: dict[str, int], server: Server) -> None:
    box = server.box
    ran = server.remind(settings={"RISKREG_SMTP_PASSWORD": "wrong", "RISKREG_SMTP_TIMEOUT_SECONDS": "3"})
    assert ran.returncode != 0
    assert "CP (Community Partnerships) was not told:" in ran.stderr
    assert box.messages() == []
    assert reminders_sent(client) == []
