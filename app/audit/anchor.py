"""External anchors of the audit trail: its head, signed with a key the database never holds.

The hash chain shows an entry altered or removed *inside* the trail. It cannot show the
newest entries cut off, nor the chain rewritten with fresh hashes from some entry on:
both leave a chain that verifies. An anchor is the head at a moment (count, newest id,
its hash, the time) signed with HMAC-SHA256 under `RISKREG_AUDIT_KEY`; filed away
outside the database, it later proves the trail still holds that head, or says how it
does not. Entries added after an anchor are covered by the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.schemas import AnchorCheck, ChainCheck
from app.audit.trail import ChainHead, verify_chain
from app.errors import FieldProblem, InvalidInput, RiskregError
from app.models import AuditEvent

VERSION = "riskreg-audit-anchor/1"
_MIN_KEY_CHARS = 16
_LINE = re.compile(
    rf"^{re.escape(VERSION)} count=(\d{{1,15}}) last_id=(\d{{1,15}}) hash=([0-9a-f]{{64}}) "
    r"at=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) hmac=([0-9a-f]{64})$"
)


class AuditKeyMissing(RiskregError):
    """Anchors cannot be made or checked: RISKREG_AUDIT_KEY is not set (or too short)."""

    status = 503
    slug = "audit-key-missing"
    title = "Audit key not configured"


class BadAnchor(ValueError):
    """Text that is not an anchor, or one whose signature does not hold under the key."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """A signed head of the trail."""

    head: ChainHead
    at: datetime
    signature: str

    def line(self) -> str:
        """The anchor as one line of text, to file away."""
        return f"{_message(self.head, self.at)} hmac={self.signature}"

    def as_json(self) -> str:
        """The anchor as one line of JSON, to file away."""
        head = self.head
        fields = {"anchor": VERSION, "count": head.count, "last_id": head.last_id, "hash": head.hash}
        return json.dumps({**fields, "at": _stamp(self.at), "hmac": self.signature})


def audit_key(key: SecretStr | None) -> bytes:
    """The signing key as bytes; AuditKeyMissing, saying what to do, when it is not set or too short."""
    value = key.get_secret_value() if key is not None else ""
    if len(value) < _MIN_KEY_CHARS:
        state = "is not set" if not value else f"is shorter than {_MIN_KEY_CHARS} characters"
        raise AuditKeyMissing(
            f"RISKREG_AUDIT_KEY {state}: audit anchors are signed with it. Set it to a long random "
            "secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) kept outside "
            "the database and its backups"
        )
    return value.encode("utf-8")


def sign(head: ChainHead, at: datetime, key: bytes) -> Anchor:
    """An anchor of `head` at moment `at` (kept to the second)."""
    at = at.astimezone(UTC).replace(microsecond=0)
    return Anchor(head, at, _signature(head, at, key))


def read_anchor(text: str, key: bytes) -> Anchor:
    """The anchor in `text` (its line or its JSON); BadAnchor when malformed or not signed with `key`."""
    anchor = parse_anchor(text)
    check_signature(anchor, key)
    return anchor


def parse_anchor(text: str) -> Anchor:
    """The anchor in `text` (its line or its JSON), its signature not yet checked; BadAnchor when malformed."""
    text = text.strip()
    if text.startswith("{"):
        text = _line_of_json(text)
    found = _LINE.match(text)
    if found is None:
        raise BadAnchor(f"not an audit anchor: expected one line `{VERSION} count=... hmac=...` or its JSON")
    count, last_id, digest, stamp, signature = found.groups()
    head = ChainHead(count=int(count), last_id=int(last_id), hash=digest)
    return Anchor(head, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), signature)


def check_signature(anchor: Anchor, key: bytes) -> None:
    """BadAnchor unless the anchor was signed with `key` exactly as it reads."""
    if not hmac.compare_digest(anchor.signature, _signature(anchor.head, anchor.at, key)):
        raise BadAnchor(
            "the anchor's signature does not match: it was altered, forged, or signed with another key"
        )


def anchor_finding(session: Session, anchor: Anchor) -> str | None:
    """None when the trail still holds the anchored head; otherwise what was cut or rewritten."""
    head = anchor.head
    when = f"anchored at {_stamp(anchor.at)}"
    total = session.exec(select(func.count()).select_from(AuditEvent)).one()
    if total < head.count:
        return f"the trail holds {total} entries, fewer than the {head.count} {when}: entries were removed"
    if head.count == 0:
        return None
    anchored = session.get(AuditEvent, head.last_id)
    if anchored is None:
        return f"entry {head.last_id}, the newest when {when}, is missing: the trail was cut or rewritten"
    if anchored.hash != head.hash:
        return (
            f"entry {head.last_id} no longer has the hash it had when {when}: "
            "the trail was rewritten from that entry or before it"
        )
    up_to = session.exec(
        select(func.count()).select_from(AuditEvent).where(col(AuditEvent.id) <= head.last_id)
    ).one()
    if up_to != head.count:
        return (
            f"{up_to} entries up to entry {head.last_id}, {head.count} when {when}: "
            "entries were removed or inserted below the anchor"
        )
    return None


def read_anchors(text_or_file: str, key: bytes) -> list[Anchor]:
    """The anchors given on the command line: one as text, or every line of the file it names
    (blank lines and # notes skipped); BadAnchor naming the first bad one."""
    path = Path(text_or_file)
    if text_or_file.lstrip().startswith((VERSION, "{")) or not path.is_file():
        lines = [text_or_file]
    else:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        raise BadAnchor(f"{text_or_file} holds no anchor")
    anchors = []
    for number, line in enumerate(lines, start=1):
        try:
            anchors.append(read_anchor(line, key))
        except BadAnchor as exc:
            raise BadAnchor(f"anchor {number} of {len(lines)}: {exc}") from exc
    return anchors


def anchor_findings(session: Session, anchors: list[Anchor]) -> list[str]:
    """What each anchor that the trail no longer holds found, naming the anchor."""
    found = [(anchor, anchor_finding(session, anchor)) for anchor in anchors]
    return [
        f"anchor of {_stamp(a.at)} (entry {a.head.last_id}): {finding}" for a, finding in found if finding
    ]


def anchor_of_query(text: str, key: SecretStr | None) -> Anchor:
    """The anchor a client sent as the `anchor` query parameter; 422 naming it when it is bad."""
    try:
        anchor = parse_anchor(text)
        # The form first: text that is no anchor is the client's error whatever the server's key.
        check_signature(anchor, audit_key(key))
    except BadAnchor as exc:
        raise InvalidInput(
            str(exc), errors=[FieldProblem(("query", "anchor"), str(exc), "bad_anchor")]
        ) from exc
    return anchor


def check_trail(session: Session, anchor: Anchor | None) -> ChainCheck:
    """The chain walked from its first entry and, with an anchor, whether the trail still holds it."""
    checked, broken = verify_chain(session)
    found = None
    if anchor is not None:
        finding = anchor_finding(session, anchor)
        found = AnchorCheck(
            count=anchor.head.count,
            last_id=anchor.head.last_id,
            hash=anchor.head.hash,
            anchored_at=anchor.at,
            holds=finding is None,
            finding=finding,
        )
    return ChainCheck(
        intact=broken is None and (found is None or found.holds),
        checked=checked,
        broken_at=broken.event_id if broken else None,
        reason=broken.reason if broken else None,
        anchor=found,
    )


def _message(head: ChainHead, at: datetime) -> str:
    return f"{VERSION} count={head.count} last_id={head.last_id} hash={head.hash} at={_stamp(at)}"


def _signature(head: ChainHead, at: datetime, key: bytes) -> str:
    return hmac.new(key, _message(head, at).encode("utf-8"), hashlib.sha256).hexdigest()


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line_of_json(text: str) -> str:
    """The JSON form rewritten as the line, so one pattern checks both."""
    try:
        fields = json.loads(text)
    except ValueError as exc:
        raise BadAnchor("not an audit anchor: the JSON does not parse") from exc
    if not isinstance(fields, dict) or fields.get("anchor") != VERSION:
        raise BadAnchor(f'not an audit anchor: expected a JSON object with "anchor": "{VERSION}"')
    names = ("count", "last_id", "hash", "at", "hmac")
    return f"{VERSION} " + " ".join(f"{name}={fields.get(name)}" for name in names)
