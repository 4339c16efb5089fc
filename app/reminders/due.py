"""What each service is to be told: its reviews and actions due within so many days, and overdue.

Read-only. A review is due by its risk's `next_review_due` (a risk never reviewed is overdue);
an action while it is planned or in progress, by its `due_on`. Only open risks count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from sqlmodel import Session, col, select

from app.actions.listing import OPEN_STATUSES
from app.models import Action, Risk, Service


@dataclass(frozen=True, slots=True)
class DueReview:
    """A risk whose review is due (or overdue)."""

    ref: str
    title: str
    due_on: date | None  # None: never reviewed
    overdue: bool


@dataclass(frozen=True, slots=True)
class DueAction:
    """An open action that is due (or overdue)."""

    id: int
    risk_ref: str
    description: str
    owner: str
    due_on: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class Reminder:
    """One service's reminder: to whom, and what is due by `until` or overdue on `today`."""

    service_code: str
    service_name: str
    recipient: str
    today: date
    until: date
    reviews: list[DueReview]
    actions: list[DueAction]

    @property
    def anything_due(self) -> bool:
        """Whether there is anything to tell."""
        return bool(self.reviews or self.actions)

    @property
    def subject(self) -> str:
        """The email's subject line."""
        return (
            f"Risk register: {_count(len(self.reviews), 'review')} and {_count(len(self.actions), 'action')} "
            f"due or overdue for {self.service_name} ({self.service_code})"
        )

    @property
    def text(self) -> str:
        """The email's body: the overdue first, then the due, soonest first."""
        lines = [
            f"{self.service_name} ({self.service_code}): reviews and actions overdue on "
            f"{self.today.isoformat()} or due by {self.until.isoformat()}.",
        ]
        for overdue in (True, False):
            reviews = [r for r in self.reviews if r.overdue is overdue]
            if reviews:
                lines += ["", "Reviews overdue" if overdue else "Reviews due"]
                lines += [f"  {r.ref}  {r.title}  ({_due(r.due_on)})" for r in reviews]
        for overdue in (True, False):
            actions = [a for a in self.actions if a.overdue is overdue]
            if actions:
                lines += ["", "Actions overdue" if overdue else "Actions due"]
                lines += [
                    f"  {a.risk_ref}  {a.description}  owner: {a.owner}  ({_due(a.due_on)}; action {a.id})"
                    for a in actions
                ]
        lines += ["", "Sent by riskreg (`riskreg remind`)."]
        return "\n".join(lines) + "\n"

    def preview(self, sender: str) -> str:
        """The email as a person reads it: its headers, unfolded, and its text."""
        return f"From: {sender}\nTo: {self.recipient}\nSubject: {self.subject}\n\n{self.text}"

    def message(self, sender: str) -> EmailMessage:
        """The reminder as an email from `sender`."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message.set_content(self.text)
        return message


def reminders(session: Session, today: date, within_days: int) -> list[Reminder]:
    """One reminder for each service with a contact email, by code (with nothing due: empty lists)."""
    until = today + timedelta(days=within_days)
    services = session.exec(
        select(Service).where(col(Service.contact_email).is_not(None)).order_by(col(Service.code))
    ).all()
    told = [s.id for s in services]
    reviews: dict[int, list[DueReview]] = {}
    due_reviews = session.exec(
        select(Risk).where(
            col(Risk.service_id).in_(told),
            Risk.status == "open",
            col(Risk.next_review_due).is_(None) | (col(Risk.next_review_due) <= until),
        )
    ).all()
    # never reviewed first, then soonest due (the engines order nulls differently)
    for risk in sorted(due_reviews, key=lambda r: (r.next_review_due or date.min, r.ref)):
        due = risk.next_review_due
        overdue = due is None or due < today
        reviews.setdefault(risk.service_id, []).append(DueReview(risk.ref, risk.title, due, overdue))
    actions: dict[int, list[DueAction]] = {}
    due_actions = session.exec(
        select(Action, Risk)
        .join(Risk, col(Risk.id) == col(Action.risk_id))
        .where(
            col(Risk.service_id).in_(told),
            Risk.status == "open",
            col(Action.status).in_(OPEN_STATUSES),
            col(Action.due_on) <= until,
        )
        .order_by(col(Action.due_on), col(Action.id))
    ).all()
    for action, risk in due_actions:
        assert action.id is not None
        actions.setdefault(risk.service_id, []).append(
            DueAction(
                action.id, risk.ref, action.description, action.owner, action.due_on, action.due_on < today
            )
        )
    return [
        Reminder(
            service_code=s.code,
            service_name=s.name,
            recipient=s.contact_email or "",
            today=today,
            until=until,
            reviews=reviews.get(s.id or 0, []),
            actions=actions.get(s.id or 0, []),
        )
        for s in services
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _due(day: date | None) -> str:
    return "never reviewed" if day is None else f"due {day.isoformat()}"
