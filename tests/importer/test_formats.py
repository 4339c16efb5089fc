"""Plans in every format councils keep them: text in three encodings, Word and Excel, told
apart by their bytes; ratings on other scales as findings; the register export round-trips."""

from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.importer.formats import read_document
from app.importer.plan import PlanError
from tests.importer.builders import SAMPLES, plan_docx, plan_xlsx, sample_table

CS = "corporate-services-2020-2023.txt"
CP = "community-partnerships-2019-2022.txt"
HART = "hart-community-partnerships-2008-09.txt"


def _file(client: TestClient, content: bytes, filename: str, **extra: Any) -> Any:
    body = {"content_base64": base64.b64encode(content).decode(), "filename": filename, "dry_run": False}
    return client.post("/api/v1/imports", json=body | extra)


def _summary(body: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(r["ref"], r["title"], r["residual"]) for r in body["risks"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_in_each_encoding_reads_the_same(encoding: str) -> None:
    text = (SAMPLES / CP).read_text(encoding="utf-8")
    raw = text.encode(encoding, errors="replace")  # Windows-1252 has no arrows (the legend's)
    if encoding == "utf-16":
        assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # Word's "Unicode Text" has a BOM
    document = read_document(raw)
    expected = raw.decode("cp1252") if encoding == "cp1252" else text
    assert (document.format, document.text) == ("text", expected)
    assert "Low \u2013 4" in document.text


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Word 97-2003"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "a PDF"),
        (b"PK\x03\x04" + b"\x00" * 100, "damaged zip"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (b"\xff\xfe" + b"p\x00\x00\xd8", "UTF-16 byte order mark"),
    ],
)
def test_what_is_no_plan_is_named(raw: bytes, said: str) -> None:
    with pytest.raises(PlanError, match=said):
        read_document(raw)


def test_the_format_comes_from_the_bytes_not_the_name(client: TestClient) -> None:
    text = (SAMPLES / CS).read_text(encoding="utf-8").encode("utf-16")
    response = _file(client, text, "corporate-services.docx", dry_run=True)
    assert response.status_code == 200, response.text
    assert (response.json()["format"], len(response.json()["risks"])) == ("text", 9)


def test_a_word_plan_reads_as_its_text_does(client: TestClient) -> None:
    header, rows = sample_table(CS)
    word = plan_docx(["CORPORATE SERVICES SERVICE PLAN", "2020 - 2023"], header, rows)
    from_word = _file(client, word, "cs.docx", dry_run=True).json()
    from_text = _file(client, (SAMPLES / CS).read_bytes(), "cs.txt", dry_run=True).json()
    assert from_word["format"] == "docx"
    assert _summary(from_word) == _summary(from_text)
    assert from_word["period"] == "2020-2023"


def test_a_sheet_with_the_same_columns_reads_as_the_text_does(client: TestClient) -> None:
    header, rows = sample_table(CS)
    values = [[r[0], int(r[1]), int(r[2]), int(r[3])] for r in rows]
    sheet = plan_xlsx("CORPORATE SERVICES SERVICE PLAN 2020 - 2023", header, values, "Risks")
    from_sheet = _file(client, sheet, "cs.xlsx", dry_run=True).json()
    from_text = _file(client, (SAMPLES / CS).read_bytes(), "cs.txt", dry_run=True).json()
    assert from_sheet["format"] == "xlsx"
    assert _summary(from_sheet) == _summary(from_text)


def test_the_2008_plan_imports_its_project_risks_unassessed_with_findings(client: TestClient) -> None:
    response = _file(client, (SAMPLES / HART).read_bytes(), HART)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["period"], body["reviewed_on"], body["verdict"]) == ("2008-2009", "2008-04-01", "findings")
    assert [r["ref"] for r in body["risks"]] == list("ABCDEFGHI")  # rows after the page headings too
    assert all(r["residual"] is None for r in body["risks"])
    other = [(f["line"], f["ref"]) for f in body["findings"] if f["code"] == "other-scale-rating"]
    assert other == [
        (78, "A"),
        (79, "B"),
        (80, "C"),
        (84, "D"),
        (85, "E"),
        (86, "F"),
        (90, "G"),
        (91, "H"),
        (92, "I"),
    ]
    first = next(f["message"] for f in body["findings"] if f["code"] == "other-scale-rating")
    assert '"L \u2013 M"' in first
    assert "imported unassessed" in first
    listed = client.get("/api/v1/risks", params={"service": body["service"]}).json()["items"]
    assert len(listed) == 9
    assert all(r["residual"] is None for r in listed)


def test_the_register_export_round_trips(client: TestClient) -> None:
    """The register XLSX riskreg writes, imported again (as another service, so both can be
    compared), recreates every risk: refs, aliases, titles, categories, consequences,
    controls, responses, owners, residual assessments (published ones too) and review dates."""
    cs = _file(client, (SAMPLES / CS).read_bytes(), CS).json()
    cp = _file(client, (SAMPLES / CP).read_bytes(), CP).json()
    assert cs["created"] == 9
    assert cp["created"] == 14
    risk = client.get("/api/v1/risks", params={"service": "CP", "q": "CP04"}).json()["items"][0]
    patched = client.patch(
        f"/api/v1/risks/{risk['id']}",
        json={"owner": "Head of Community Partnerships", "category": "financial"},
        headers={"If-Match": f'"{risk["id"]}-{risk["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    for code, copy in (("CS", "CSX"), ("CP", "CPX")):
        export = client.get("/api/v1/reports/register", params={"service": code, "format": "xlsx"})
        assert export.status_code == 200, export.text
        again = _file(client, export.content, f"register-{code}.xlsx", service_code=copy)
        assert again.status_code == 201, again.text
        assert again.json()["format"] == "xlsx"
        assert again.json()["created"] == (9 if code == "CS" else 14)
        assert _register(client, copy) == _register(client, code)


def _register(client: TestClient, code: str) -> list[tuple[Any, ...]]:
    items = client.get("/api/v1/risks", params={"service": code, "page_size": 100, "sort": "ref"}).json()
    return [
        (
            r["ref"],
            r["aliases"],
            r["title"],
            r["category"],
            r["consequence"],
            r["controls"],
            r["response"],
            r["owner"],
            r["residual"],
            r["last_reviewed_on"],
            r["status"],
        )
        for r in items["items"]
    ]


def test_the_cli_exit_codes(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """0 clean, 1 findings to resolve (imported unless --strict), 2 refused."""
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    clean = tmp_path / "housing.docx"
    clean.write_bytes(
        plan_docx(
            ["HOUSING SERVICES", "SERVICE PLAN", "2021 - 2024"],
            ["Risk Description", "Residual Likelihood Score", "Residual Impact Score", "Residual Risk Score"],
            [
                ["HS01 Flooding of the depot", "2", "3", "6"],
                ["HS02 Loss of the payroll contract", "1", "4", "4"],
            ],
        )
    )
    untitled = tmp_path / "untitled.txt"
    untitled.write_text(
        "HOUSING SERVICES SERVICE PLAN\n\nRisk Description\tResidual Likelihood Score\tResidual Impact Score\t"
        "Residual Risk Score\nHS03 Damp in stock\t2\t2\t4\n",
        encoding="cp1252",
    )
    monkeypatch.setenv("RISKREG_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        done = runner.invoke(cli, ["import", str(clean)])
        assert done.exit_code == 0, done.output
        assert "(clean)" in done.output
        findings = tmp_path / "cs.xlsx"
        header, rows = sample_table(CS)
        findings.write_bytes(plan_xlsx("CORPORATE SERVICES SERVICE PLAN 2020 - 2023", header, rows, "Risks"))
        strict = runner.invoke(cli, ["import", str(findings), "--strict"])
        assert strict.exit_code == 1, strict.output
        assert "nothing imported" in strict.output
        ran = runner.invoke(cli, ["import", str(findings)])
        assert ran.exit_code == 1, ran.output
        assert "imported 9 risk(s)" in ran.output
        refused = runner.invoke(cli, ["import", str(untitled)])
        assert refused.exit_code == 2, refused.output
        assert "names no period" in refused.output
        dated = runner.invoke(cli, ["import", str(untitled), "--reviewed-on", date(2021, 4, 1).isoformat()])
        assert dated.exit_code in (0, 1), dated.output
        assert "imported 1 risk(s)" in dated.output
    finally:
        get_settings.cache_clear()


def test_a_zip_bomb_is_refused() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * 110_000_000)
    with pytest.raises(PlanError, match="unpacks to"):
        read_document(out.getvalue())


def test_a_damaged_word_document_or_bad_base64_is_a_422_naming_it(client: TestClient) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document><unclosed>")
    damaged = _file(client, out.getvalue(), "plan.docx")
    assert damaged.status_code == 422, damaged.text
    assert "cannot be read as a Word document or workbook" in damaged.json()["detail"]
    bad = client.post("/api/v1/imports", json={"content_base64": "not base64!", "dry_run": True})
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["body.content_base64"]
    both = client.post("/api/v1/imports", json={"text": "x", "content_base64": "eA==", "dry_run": True})
    assert both.status_code == 422, both.text


def test_a_word_table_continued_as_a_second_table_on_the_next_page_is_one_table() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("CORPORATE SERVICES SERVICE PLAN 2020 - 2023")
    header, rows = sample_table(CS)
    first = document.add_table(rows=4, cols=4)
    for r, cells in enumerate([header, *rows[:3]]):
        for c, text in enumerate(cells):
            first.cell(r, c).text = text
    document.add_paragraph("Page 9")
    second = document.add_table(rows=len(rows) - 3, cols=4)  # the rest, without the header row
    for r, cells in enumerate(rows[3:]):
        for c, text in enumerate(cells):
            second.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    from app.importer import parse_plan

    plan = parse_plan(read_document(out.getvalue()).text)
    assert [r.title for r in plan.risks] == [r[0] for r in rows]
