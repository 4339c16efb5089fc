"""Reading a legacy service plan (a Word document converted to text) into its risk register.

Pure: no database, no web framework. `parse_plan` finds the title and every risk table,
reads each row as published, assigns refs to rows that have none, and reports every
inconsistency or gap as a Finding; it raises PlanError only when the text is not a plan
it can read at all.

Every ref it returns (published, alias or assigned) and the service code are values the
API's own types accept, and no text it returns holds a control character, so what it
reads can be stored as it is on either database.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from pydantic import TypeAdapter, ValidationError

from app.fields import Ref, ServiceCode
from app.importer.cells import clean_text, read_refs, shown, split_leading_refs
from app.importer.plan import Finding, ParsedPlan, ParsedRisk, PlanError
from app.importer.rows import Identity, read_risk
from app.importer.tables import Header, RawRow, find_rows
from app.importer.title import Title, find_title, initials
from app.scoring import ORANGE_BOOK, Matrix, default_matrix

__all__ = ["MAX_BYTES", "MAX_LINE_CHARS", "Finding", "ParsedPlan", "ParsedRisk", "PlanError", "parse_plan"]

MAX_BYTES = 5_000_000
# A table row of a plan (every cell of one risk) is a few thousand characters at most.
MAX_LINE_CHARS = 20_000
_BINARY_SAMPLE = 65_536
_ODD_SPACE = re.compile(r"[^\S\t\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Control characters (PostgreSQL stores no NUL; none means anything in a plan) and lone
# surrogates (not UTF-8) are dropped; the ones that are whitespace become a space.
_CONTROL = {
    code: " " if chr(code).isspace() else None
    for code in (*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000))
    if chr(code) not in "\t\n\r" and unicodedata.category(chr(code)) in ("Cc", "Cs")
}
_CODE_PREFIX = re.compile(r"[A-Z]+(?=\d)")
_REF = TypeAdapter(Ref)
_SERVICE_CODE = TypeAdapter(ServiceCode)
_MAX_REF = 20  # the longest ref (app.fields.Ref, the risk table's column)
_MAX_CODE = 10  # the longest service code (app.fields.ServiceCode)
_EXAMPLE_HEADERS = (
    "'Risk Description | Residual Likelihood Score | Residual Impact Score | Residual Risk Score' "
    "or 'Ref | Nature of Risk | Consequence | Control Measures | Response | Risk Rating'"
)


def parse_plan(
    text: str,
    *,
    service_code: str | None = None,
    matrix: Matrix | None = None,
    known: Mapping[str, str] | None = None,
    service_name: str | None = None,
    categories: tuple[str, ...] = ORANGE_BOOK,
) -> ParsedPlan:
    """Read a service plan's text into its service, period, risks and findings.

    `service_code` names the service's ref prefix (else it comes from the document's refs,
    else from the service name's initials); `matrix` defaults to the 4x4 council matrix.
    `known` maps the refs and aliases the service's register already holds to their risk's
    title: a row without a ref whose description is one of those titles keeps that risk's
    ref, and a ref given to a row is one neither the document nor the register uses.
    `service_name` names the service when the document has no title (a workbook's sheet).
    """
    scoring = matrix if matrix is not None else default_matrix()
    lines = _document_lines(text)
    title = find_title(lines)
    headers, rows = find_rows(lines)
    given_code = _given_code(service_code)
    _require_register(title, headers, rows)
    published = [_published_identity(row, given_code) for row in rows]
    from_refs = _code_from_refs([refs[0] for refs, _ in published if refs])
    if title is None and given_code is None and (from_refs is None or service_name is None):
        raise PlanError(
            "no service plan title found (such as 'HOUSING SERVICES SERVICE PLAN 2021 - 2024'): "
            "give the service code to import the risk table without one"
        )
    code = given_code or from_refs or _code_of(title)
    identities, findings = _identities(rows, published, code, known or {})
    risks: list[ParsedRisk] = []
    for row, identity in zip(rows, identities, strict=True):
        risk, row_findings = read_risk(row, identity, scoring, categories)
        risks.append(risk)
        findings.extend(row_findings)
    findings.extend(_duplicates(risks))
    findings.sort(key=lambda finding: finding.line)
    return ParsedPlan(
        service_name=title.service_name if title else (service_name or code),
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
    plain = text.translate(_INVISIBLE).translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n")
    lines = plain.split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise PlanError(
                f"line {number} is {len(line):,} characters long; no line of a service plan holds more "
                f"than {MAX_LINE_CHARS:,} (a whole table row): is this the text of a plan?"
            )
    return [_ODD_SPACE.sub(" ", line) for line in lines]


def _given_code(service_code: str | None) -> str | None:
    """The service code the caller gives, as the API's type reads it; PlanError when it is none."""
    if not service_code:
        return None
    try:
        return _SERVICE_CODE.validate_python("".join(service_code.split()))
    except ValidationError as exc:
        raise PlanError(
            f"the service code {shown(service_code)!r} is not a service code: "
            "a letter, then letters or digits, at most 10 in all"
        ) from exc


def _code_of(title: Title | None) -> str:
    """The service code made of the title's initials; PlanError when they make none."""
    code = initials(title.service_name) if title else ""
    try:
        return _SERVICE_CODE.validate_python(code)
    except ValidationError as exc:
        name = title.service_name if title else ""
        raise PlanError(
            f"no service code can be made from the service name {name!r} (its initials {code!r} are "
            "not a code of at most 10 letters): give the service code"
        ) from exc


def _require_register(title: Title | None, headers: list[Header], rows: list[RawRow]) -> None:
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


def _published_identity(row: RawRow, given_code: str | None) -> tuple[tuple[str, ...], str]:
    """The refs a row publishes (main first) and its description without them."""
    title = clean_text(row.cells.get("title", ""))
    refs = read_refs(row.cells.get("ref", ""))
    if not refs:
        refs, title = split_leading_refs(title, given_code)
    listed = read_refs(row.cells.get("aliases", "").replace(" ", ","))  # an export's aliases column
    extra = tuple(alias for alias in listed if alias not in refs)
    return (*refs, *extra) if refs else refs, title


def _code_from_refs(main_refs: list[str]) -> str | None:
    """The letters most of the document's refs start with ('CP' for CP01, CP02, ...), if a service code."""
    prefixes = Counter(m.group() for m in map(_CODE_PREFIX.match, main_refs) if m)
    found = prefixes.most_common(1)[0][0] if prefixes else None
    return found if found is not None and len(found) <= _MAX_CODE else None


def _identities(
    rows: list[RawRow], published: list[tuple[tuple[str, ...], str]], code: str, known: Mapping[str, str]
) -> tuple[list[Identity], list[Finding]]:
    """Each row's identity; a row without a usable ref gets the lowest `<code>NN` the document does not use.

    A published ref the API would refuse (too long, or with characters a ref cannot hold)
    is not kept: a main ref is replaced as a missing one is, an alias is dropped, and each
    is reported on its line.
    """
    findings: list[Finding] = []
    usable = [_usable_refs(row.line, refs, findings) for row, (refs, _) in zip(rows, published, strict=True)]
    used = {ref for main, aliases in usable for ref in (main, *aliases) if ref} | set(known)
    by_title: dict[str, str] = {}
    for ref, title in known.items():
        by_title.setdefault(_title_key(title), ref)
    number = 1
    identities: list[Identity] = []
    for row, (main, aliases), (refs, title) in zip(rows, usable, published, strict=True):
        if main is not None:
            identities.append(Identity(main, aliases, False, title))
            continue
        matched = by_title.pop(_title_key(title), None) if title and not refs else None
        if matched is not None:  # the register's risk of that title: the same risk, its ref kept
            identities.append(Identity(matched, aliases, False, title))
            continue
        while f"{code}{number:02d}" in used:
            number += 1
        ref = f"{code}{number:02d}"
        used.add(ref)
        identities.append(Identity(ref, aliases, True, title))
        described = f'"{shown(title)}"' if title else "without a description"
        given = f"it has been given {ref}, the next ref free for service code {code}."
        if refs:
            message = f"The risk {described} (line {row.line}) publishes the ref {shown(refs[0])!r}, "
            findings.append(
                Finding(row.line, "error", "bad-ref", f"{message}{_refusal(refs[0])}; {given}", ref)
            )
        else:
            message = f"The risk {described} (line {row.line}) has no ref in the document; {given}"
            findings.append(Finding(row.line, "warning", "ref-assigned", message, ref))
    return identities, findings


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split()).rstrip(".")


def _usable_refs(
    line: int, refs: tuple[str, ...], findings: list[Finding]
) -> tuple[str | None, tuple[str, ...]]:
    """The main ref (None when refused) and the aliases the API's type keeps; a refused alias is reported."""
    main = _valid_ref(refs[0]) if refs else None
    aliases: list[str] = []
    for alias in refs[1:]:
        valid = _valid_ref(alias)
        if valid is None:
            message = f"The risk at line {line} publishes the alias {shown(alias)!r}, {_refusal(alias)}"
            findings.append(Finding(line, "error", "bad-ref", f"{message}; the alias is not imported.", main))
        elif valid != main and valid not in aliases:
            aliases.append(valid)
    return main, tuple(aliases)


def _valid_ref(ref: str) -> str | None:
    """The ref as the API's type keeps it, or None when the API would refuse it."""
    try:
        return _REF.validate_python(ref)
    except ValidationError:
        return None


def _refusal(ref: str) -> str:
    if len(ref) > _MAX_REF:
        return f"which riskreg cannot keep (a ref has at most {_MAX_REF} characters)"
    return "which riskreg cannot keep (a ref is letters, digits, spaces and . _ / -, beginning with a letter or digit)"


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
