"""Reading a legacy service plan (a Word document converted to text) into its risk register.

Pure: no database, no web framework. `parse_plan` finds the title and every risk table,
reads each row as published, assigns refs to rows that have none, and reports every
inconsistency or gap as a Finding; it raises PlanError only when the text is not a plan
it can read at all.
"""

from __future__ import annotations

import re
from collections import Counter

from app.importer.cells import clean_text, read_refs, split_leading_refs
from app.importer.plan import Finding, ParsedPlan, ParsedRisk, PlanError
from app.importer.rows import Identity, read_risk
from app.importer.tables import Header, RawRow, find_rows
from app.importer.title import Title, find_title, initials
from app.scoring import Matrix, default_matrix

__all__ = ["MAX_BYTES", "Finding", "ParsedPlan", "ParsedRisk", "PlanError", "parse_plan"]

MAX_BYTES = 5_000_000
_BINARY_SAMPLE = 65_536
_ODD_SPACE = re.compile(r"[^\S\t\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CODE_PREFIX = re.compile(r"^([A-Z]+)\d")
_EXAMPLE_HEADERS = (
    "'Risk Description | Residual Likelihood Score | Residual Impact Score | Residual Risk Score' "
    "or 'Ref | Nature of Risk | Consequence | Control Measures | Response | Risk Rating'"
)


def parse_plan(text: str, *, service_code: str | None = None, matrix: Matrix | None = None) -> ParsedPlan:
    """Read a service plan's text into its service, period, risks and findings.

    `service_code` names the service's ref prefix (else it comes from the document's refs,
    else from the service name's initials); `matrix` defaults to the 4x4 council matrix.
    """
    scoring = matrix if matrix is not None else default_matrix()
    lines = _document_lines(text)
    title = find_title(lines)
    headers, rows = find_rows(lines)
    given_code = "".join(service_code.split()).upper() if service_code else None
    _require_register(title, headers, rows, given_code)
    published = [_published_identity(row, given_code) for row in rows]
    code = (
        given_code
        or _code_from_refs([refs[0] for refs, _ in published if refs])
        or (initials(title.service_name) if title else "")
    )
    identities, findings = _identities(rows, published, code)
    risks: list[ParsedRisk] = []
    for row, identity in zip(rows, identities, strict=True):
        risk, row_findings = read_risk(row, identity, scoring)
        risks.append(risk)
        findings.extend(row_findings)
    findings.extend(_duplicates(risks))
    findings.sort(key=lambda finding: finding.line)
    return ParsedPlan(
        service_name=title.service_name if title else code,
        service_code=code,
        period=title.period if title else None,
        start_year=title.start_year if title else None,
        end_year=title.end_year if title else None,
        shape=headers[0].shape,
        risks=tuple(risks),
        findings=tuple(findings),
    )


def _document_lines(text: str) -> list[str]:
    """The document's lines with odd whitespace made plain; PlanError for text that is no document."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PlanError("the document is over 5 MB; a service plan is far smaller")
    if not text.strip():
        raise PlanError("the document is empty")
    if "\x00" in text:
        raise PlanError("the document contains NUL bytes: it is a binary file, not the text of a plan")
    sample = text[:_BINARY_SAMPLE]
    unreadable = sum(1 for c in sample if c == "\ufffd" or not (c.isprintable() or c in "\t\n\r\f\v"))
    if unreadable > len(sample) // 10:
        raise PlanError("the document is mostly unreadable characters: it looks binary, not text")
    plain = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    return [_ODD_SPACE.sub(" ", line) for line in plain.split("\n")]


def _require_register(
    title: Title | None, headers: list[Header], rows: list[RawRow], given_code: str | None
) -> None:
    if not headers and title is None:
        raise PlanError(
            "this is not a service plan riskreg can read: it has no service plan title "
            "(such as 'HOUSING SERVICES SERVICE PLAN 2021 - 2024') and no risk table"
        )
    if not headers:
        raise PlanError(
            f"no risk table found in the {title.service_name if title else ''} service plan: "
            f"no table is headed {_EXAMPLE_HEADERS}"
        )
    if not rows:
        raise PlanError(f"no risk table found with any risks: the table at line {headers[0].line} is empty")
    if title is None and given_code is None:
        raise PlanError(
            "no service plan title found (such as 'HOUSING SERVICES SERVICE PLAN 2021 - 2024'): "
            "give the service code to import the risk table without one"
        )


def _published_identity(row: RawRow, given_code: str | None) -> tuple[tuple[str, ...], str]:
    """The refs a row publishes (main first) and its description without them."""
    title = clean_text(row.cells.get("title", ""))
    refs = read_refs(row.cells.get("ref", ""))
    if refs:
        return refs, title
    return split_leading_refs(title, given_code)


def _code_from_refs(main_refs: list[str]) -> str | None:
    """The letters most of the document's refs start with ('CP' for CP01, CP02, ...)."""
    prefixes = Counter(m.group(1) for m in map(_CODE_PREFIX.match, main_refs) if m)
    return prefixes.most_common(1)[0][0] if prefixes else None


def _identities(
    rows: list[RawRow], published: list[tuple[tuple[str, ...], str]], code: str
) -> tuple[list[Identity], list[Finding]]:
    """Each row's identity; a row without a ref gets the lowest `<code>NN` the document does not use."""
    used = {ref for refs, _ in published for ref in refs}
    number = 1
    identities: list[Identity] = []
    findings: list[Finding] = []
    for row, (refs, title) in zip(rows, published, strict=True):
        if refs:
            identities.append(Identity(refs[0], refs[1:], False, title))
            continue
        while f"{code}{number:02d}" in used:
            number += 1
        ref = f"{code}{number:02d}"
        used.add(ref)
        identities.append(Identity(ref, (), True, title))
        described = f'"{title}"' if title else "without a description"
        findings.append(
            Finding(
                row.line,
                "warning",
                "ref-assigned",
                f"The risk {described} (line {row.line}) has no ref in the document; it has been "
                f"given {ref}, the next ref free for service code {code}.",
                ref,
            )
        )
    return identities, findings


def _duplicates(risks: list[ParsedRisk]) -> list[Finding]:
    """An error on every risk whose ref an earlier risk of the document already has."""
    first_line: dict[str, int] = {}
    findings: list[Finding] = []
    for risk in risks:
        if risk.ref not in first_line:
            first_line[risk.ref] = risk.line
            continue
        findings.append(
            Finding(
                risk.line,
                "error",
                "duplicate-ref",
                f"Risk {risk.ref} (line {risk.line}) has the same ref as the risk at line "
                f"{first_line[risk.ref]}. A service's refs must be unique: renumber or remove one "
                "before importing.",
                risk.ref,
            )
        )
    return findings
