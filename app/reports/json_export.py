"""The reports as data (API.md, "The six-monthly report as data"): the same model the PDF,
HTML and XLSX draw, written as JSON-ready dicts (dates ISO 8601, times with their offset)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from app.reports.rows import (
    DIRECTIONS,
    ActionRow,
    AppetiteBasis,
    AssessmentRow,
    RegisterReport,
    ReviewReport,
    RiskRow,
)


def render_review_json(report: ReviewReport) -> bytes:
    """The six-monthly review report as JSON bytes."""
    return _dump(review_data(report))


def render_register_json(report: RegisterReport) -> bytes:
    """The register of one service as JSON bytes."""
    return _dump(register_data(report))


def review_data(report: ReviewReport) -> dict[str, Any]:
    """The six-monthly review report as the dict of API.md (and a few more keys)."""
    summary = report.summary
    groups: dict[str, list[dict[str, Any]]] = {
        d: [_key(m.risk) for m in report.movements.get(d, [])] for d in DIRECTIONS
    }
    groups |= {
        "not_reviewed": [_key(r) for r in report.not_reviewed],
        "overdue": [_key(r) for r in report.overdue],
        "above_appetite": [_key(r) for r in report.above_appetite],
        "long_standing_very_high": [_key(r) for r in report.long_standing],
        "exceptions": [_key(e.risk) | {"reasons": list(e.reasons)} for e in report.exceptions],
    }
    not_reviewed = {r.risk_id for r in report.not_reviewed}
    risks = [
        _risk(m.risk)
        | {
            "start": _position(m.risk.start),
            "end": _position(m.risk.residual),
            "reviewed": m.risk.status == "open" and m.risk.risk_id not in not_reviewed,
        }
        for d in DIRECTIONS
        for m in report.movements.get(d, [])
    ]
    return {
        "period": report.period_label,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "report_date": report.report_date.isoformat(),
        "to_date": report.to_date,
        "service": report.service_code,
        "produced_at": _moment(report.generated_at),
        "as_recorded": _moment(report.as_recorded) if report.as_recorded is not None else None,
        "audit_head": {"count": report.audit_entries, "hash": report.audit_hash},
        "matrix": report.matrix.name,
        "previous_period": {
            "period": report.previous_label,
            "end": report.previous_end.isoformat() if report.previous_end else None,
        },
        "appetite_statement": report.appetite_recorded,
        "appetite": _appetite(report.appetite),
        "summary": {
            "bands": summary.bands,
            "previous_bands": summary.previous_bands,
            **summary.movement,
            "reviewed": summary.reviewed,
            "not_reviewed": summary.not_reviewed,
            "overdue": summary.overdue,
            "above_appetite": summary.above_appetite,
            "long_standing_very_high": summary.long_standing_very_high,
            "exceptions": summary.exceptions,
        },
        "groups": groups,
        "risks": risks,
        "escalations": [
            {
                "service": e.service_code,
                "ref": e.ref,
                "title": e.title,
                "kind": e.kind,
                "on": e.on.isoformat(),
                "reason": e.reason,
            }
            for e in report.escalations
        ],
    }


def register_data(report: RegisterReport) -> dict[str, Any]:
    """The register of one service as a dict: its basis and its risks."""
    return {
        "service": report.service_code,
        "service_name": report.service_name,
        "as_of": report.as_of.isoformat(),
        "produced_at": _moment(report.generated_at),
        "matrix": report.matrix.name,
        "appetite": _appetite(report.appetite),
        "risks": [_risk(r) for r in report.risks],
    }


def _appetite(appetite: AppetiteBasis | None) -> dict[str, Any] | None:
    """The appetite statement a report used: its version, who approved it and when."""
    if appetite is None:
        return None
    return {
        "version": appetite.version,
        "approved_by": appetite.approved_by,
        "approved_on": appetite.approved_on.isoformat(),
    }


def _key(r: RiskRow) -> dict[str, Any]:
    return {"service": r.service_code, "ref": r.ref}


def _risk(r: RiskRow) -> dict[str, Any]:
    """A risk as both reports write it: what it is, where it stands, what is being done."""
    return _key(r) | {
        "id": r.risk_id,
        "title": r.title,
        "owner": r.owner,
        "category": r.category,
        "response": r.response or None,
        "status": r.status,
        "opened_on": _day(r.opened_on),
        "closed_on": _day(r.closed_on),
        "reopened": r.reopened,
        "direction": r.direction,
        "inherent": _assessment(r.inherent),
        "residual": _assessment(r.residual),
        "target": _assessment(r.target),
        "controls": list(r.controls),
        "last_reviewed_on": _day(r.last_reviewed_on),
        "next_review_due": _day(r.next_review_due),
        "overdue": r.overdue,
        "above_appetite": r.above_appetite,
        "actions": [_action(a) for a in r.actions],
    }


def _action(a: ActionRow) -> dict[str, Any]:
    return {
        "description": a.description,
        "owner": a.owner,
        "due_on": a.due_on.isoformat(),
        "status": a.status,
        "completed_on": _day(a.completed_on),
        "overdue": a.overdue,
    }


def _position(value: AssessmentRow | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"score": value.score, "band": value.band} | _published(value)


def _assessment(value: AssessmentRow | None) -> dict[str, Any] | None:
    if value is None:
        return None
    parts = {"likelihood": value.likelihood, "impact": value.impact, "score": value.score, "band": value.band}
    return parts | _published(value)


def _published(value: AssessmentRow) -> dict[str, Any]:
    """A rating kept as a plan published it says so (`"published": true`; likelihood and impact
    unknown), as the other formats' "published without likelihood and impact"."""
    return {"published": True} if value.published else {}


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: datetime) -> str:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
