"""The OpenAPI document: what client generators and fuzzers read."""

from __future__ import annotations

from fastapi import FastAPI

PROBLEM_JSON = "application/problem+json"


def test_every_operation_documents_its_error_statuses_as_problem_json(app: FastAPI) -> None:
    """Every error status an operation can answer is in the OpenAPI document, as problem+json."""
    document = app.openapi()
    for path, operations in document["paths"].items():
        if path == "/health":
            continue
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "412", "413", "422", "428", "503"):
                documented = operation["responses"].get(status)
                assert documented, f"{method.upper()} {path} does not document {status}"
                assert list(documented["content"]) == [PROBLEM_JSON], (method, path, status)


def test_report_downloads_document_their_media_types(app: FastAPI) -> None:
    """Downloads document the media types they send."""
    paths = app.openapi()["paths"]
    content = {p: set(paths[p]["get"]["responses"]["200"]["content"]) for p in paths if "/reports/" in p}
    assert content["/api/v1/reports/heatmap"] == {"image/png", "image/svg+xml"}
    assert {"text/html", "application/pdf", "text/csv"} <= content["/api/v1/reports/register"]
