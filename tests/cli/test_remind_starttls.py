"""`riskreg remind` with RISKREG_SMTP_STARTTLS on (the default), against a real SMTP server that
offers STARTTLS with a certificate made for the test: the login and the message go over TLS; a
server that does not offer STARTTLS, or whose certificate is not trusted, is not told anything
(no plain-text fallback), the service is named and nothing is recorded as sent."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient

from tests.cli.command import riskreg
from tests.cli.test_remind import PASSWORD, Mailbox, _authenticate, _free_port, reminders_sent, smtp

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class TlsMailbox(Mailbox):
    """A Mailbox that also notes whether each message came over TLS."""

    def __init__(self) -> None:
        super().__init__()
        self.over_tls: list[bool] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.over_tls.append(session.ssl is not None)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _server(box: Mailbox, port: int, tls: ssl.SSLContext | None) -> Controller:
    return Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=tls is not None,
        tls_context=tls,
        require_starttls=tls is not None,
    )


@pytest.fixture
def tls_mailbox(certificate: tuple[Path, Path]) -> Iterator[tuple[TlsMailbox, int]]:
    """A server that offers STARTTLS and takes no login and no mail before it."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, port = TlsMailbox(), _free_port()
    controller = _server(box, port, context)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def plain_mailbox() -> Iterator[tuple[TlsMailbox, int]]:
    """A server that does not offer STARTTLS."""
    box, port = TlsMailbox(), _free_port()
    controller = _server(box, port, None)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def starttls(port: int, cert: Path | None) -> dict[str, str]:
    settings = smtp(port) | {"RISKREG_SMTP_STARTTLS": "true", "RISKREG_SMTP_TIMEOUT_SECONDS": "5"}
    if cert is not None:
        settings["SSL_CERT_FILE"] = str(cert)  # the test's certificate, trusted by this run only
    return settings


def _contact(client: TestClient) -> None:
    made = client.post(
        "/api/v1/services",
        json={"code": "CP", "name": "Community Partnerships", "contact_email": "cp@council.example.gov.uk"},
    )
    assert made.status_code == 201, made.text
    risk = client.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "Never reviewed", "response": "treat", "owner": "Head of Service"},
    )
    assert risk.status_code == 201, risk.text


def test_the_login_and_the_reminder_go_over_starttls(
    tmp_path: Path,
    database_url: str,
    client: TestClient,
    certificate: tuple[Path, Path],
    tls_mailbox: tuple[TlsMailbox, int],
) -> None:
    _contact(client)
    box, port = tls_mailbox
    ran = riskreg(tmp_path, "remind", database_url=database_url, settings=starttls(port, certificate[0]))
    assert ran.returncode == 0, ran.stderr
    ((recipients, message),) = box.messages()
    assert recipients == ["cp@council.example.gov.uk"]
    assert "CP01" in message.get_content()
    assert box.over_tls == [True]
    assert PASSWORD not in ran.stdout + ran.stderr
    assert [e["entity_id"] for e in reminders_sent(client)] == ["CP"]


def test_an_untrusted_certificate_tells_no_one_and_records_nothing(
    tmp_path: Path, database_url: str, client: TestClient, tls_mailbox: tuple[TlsMailbox, int]
) -> None:
    _contact(client)
    box, port = tls_mailbox
    ran = riskreg(tmp_path, "remind", database_url=database_url, settings=starttls(port, None))
    assert ran.returncode != 0
    assert "CP (Community Partnerships) was not told" in ran.stderr
    assert box.messages() == []
    assert reminders_sent(client) == []


def test_a_server_without_starttls_is_not_sent_the_login_or_the_reminder_in_clear(
    tmp_path: Path,
    database_url: str,
    client: TestClient,
    certificate: tuple[Path, Path],
    plain_mailbox: tuple[TlsMailbox, int],
) -> None:
    _contact(client)
    box, port = plain_mailbox
    ran = riskreg(tmp_path, "remind", database_url=database_url, settings=starttls(port, certificate[0]))
    assert ran.returncode != 0
    assert "CP (Community Partnerships) was not told" in ran.stderr
    assert box.messages() == []
    assert reminders_sent(client) == []
