"""Sending the reminders through SMTP, and recording each one sent in the audit trail.

A reminder is recorded (`service.remind`, on the service) only after the SMTP server has
accepted it, in a transaction of its own: one service's failure neither unrecords another's
nor records itself. The audit trail, not a table of its own, holds what was sent: it is
where an auditor already asks who was told what and when, and it is append-only and
hash-chained, which a sent-mail table would have to re-invent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from app.access.principal import SYSTEM
from app.audit.trail import record_change
from app.config import Settings
from app.db import transaction
from app.reminders.due import Reminder


class SmtpNotConfigured(ValueError):
    """RISKREG_SMTP_HOST or RISKREG_SMTP_FROM is not set."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one service's reminder: sent, or not, and why not."""

    reminder: Reminder
    error: str | None = None

    @property
    def sent(self) -> bool:
        """Whether the SMTP server accepted the reminder (and it was recorded)."""
        return self.error is None


def send_all(
    engine: Engine, settings: Settings, due: list[Reminder], on_outcome: Callable[[Outcome], None]
) -> list[Outcome]:
    """Send each reminder with anything due (one connection each, so that one failure stops no
    other), record each one accepted, and report every outcome as it comes."""
    if not settings.smtp_host or not settings.smtp_from:
        raise SmtpNotConfigured("set RISKREG_SMTP_HOST and RISKREG_SMTP_FROM to send reminders")
    outcomes = []
    for reminder in due:
        if not reminder.anything_due:
            continue
        try:
            _send(settings, reminder)
        except (OSError, smtplib.SMTPException) as exc:
            outcome = Outcome(reminder, error=_reason(exc))
        else:
            outcome = _record(engine, reminder)
        outcomes.append(outcome)
        on_outcome(outcome)
    return outcomes


def _send(settings: Settings, reminder: Reminder) -> None:
    assert settings.smtp_host is not None
    assert settings.smtp_from is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        refused = smtp.send_message(reminder.message(settings.smtp_from))
        if refused:  # only raised by smtplib when every recipient is refused; there is one
            raise smtplib.SMTPRecipientsRefused(refused)


def _record(engine: Engine, reminder: Reminder) -> Outcome:
    """Record a reminder the server accepted; a failure here is said, never hidden."""
    after = {
        "to": reminder.recipient,
        "subject": reminder.subject,
        "until": reminder.until.isoformat(),
        "reviews": [r.ref for r in reminder.reviews],
        "actions": [a.id for a in reminder.actions],
    }
    try:
        with transaction(engine) as session:
            code = reminder.service_code
            record_change(session, SYSTEM, "service.remind", "service", code, code, None, after)
    except Exception as exc:  # the email went: say so, and that it is not on record
        return Outcome(reminder, error=f"sent, but not recorded in the audit trail: {exc}")
    return Outcome(reminder)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused " + ", ".join(
            f"{address} ({code} {reply.decode(errors='replace')})"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error
        return f"the server answered {exc.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"
    return str(exc) or type(exc).__name__
