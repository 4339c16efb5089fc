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


#: The operation ids are part of the API contract: generated clients name their functions after
#: them. Changing one is a breaking change (a line in the README's changelog); a new operation
#: adds its id here.
OPERATION_IDS = {
    ("GET", "/health"): "get_health",
    ("GET", "/api/v1/matrix"): "get_matrix",
    ("GET", "/api/v1/categories"): "list_categories",
    ("GET", "/api/v1/services"): "list_services",
    ("POST", "/api/v1/services"): "create_service",
    ("GET", "/api/v1/services/{code}"): "get_service",
    ("PATCH", "/api/v1/services/{code}"): "update_service",
    ("POST", "/api/v1/services/{code}/risks"): "create_risk",
    ("GET", "/api/v1/risks"): "list_risks",
    ("GET", "/api/v1/risks/{risk_id}"): "get_risk",
    ("PATCH", "/api/v1/risks/{risk_id}"): "update_risk",
    ("POST", "/api/v1/risks/{risk_id}/reviews"): "review_risk",
    ("GET", "/api/v1/risks/{risk_id}/reviews"): "list_reviews",
    ("GET", "/api/v1/risks/{risk_id}/status"): "list_status_events",
    ("POST", "/api/v1/services/{code}/reviews"): "review_service",
    ("POST", "/api/v1/risks/{risk_id}/actions"): "create_action",
    ("GET", "/api/v1/risks/{risk_id}/actions"): "list_risk_actions",
    ("GET", "/api/v1/actions"): "list_actions",
    ("GET", "/api/v1/actions/{action_id}"): "get_action",
    ("PATCH", "/api/v1/actions/{action_id}"): "update_action",
    ("POST", "/api/v1/actions/{action_id}/updates"): "add_action_update",
    ("GET", "/api/v1/actions/{action_id}/history"): "get_action_history",
    ("GET", "/api/v1/reports/heatmap"): "get_heatmap",
    ("GET", "/api/v1/reports/register"): "get_register",
    ("GET", "/api/v1/reports/six-monthly"): "get_six_monthly_report",
    ("POST", "/api/v1/imports"): "import_service_plan",
    ("GET", "/api/v1/audit/events"): "list_events",
    ("GET", "/api/v1/audit/verify"): "verify_audit_trail",
    ("GET", "/api/v1/risks/{risk_id}/history"): "get_risk_history",
    ("GET", "/api/v1/appetite"): "get_appetite",
    ("PUT", "/api/v1/appetite"): "update_appetite",
    ("GET", "/api/v1/appetite/history"): "list_appetite_history",
    ("POST", "/api/v1/risks/{risk_id}/escalate"): "escalate_risk",
    ("POST", "/api/v1/risks/{risk_id}/de-escalate"): "de_escalate_risk",
    ("GET", "/api/v1/reports/corporate-register"): "get_corporate_register",
    ("GET", "/api/v1/tokens"): "list_tokens",
    ("POST", "/api/v1/tokens"): "create_token",
    ("DELETE", "/api/v1/tokens/{name}"): "revoke_token",
}

#: Every closed set of values the API takes or gives, each one named component.
ENUMS = {
    "RiskResponse": ["tolerate", "treat", "terminate", "transfer"],
    "RiskStatus": ["open", "closed"],
    "StatusFilter": ["open", "closed", "all"],
    "Direction": ["new", "up", "down", "unchanged", "closed"],
    "Basis": ["residual", "inherent"],
    "ActionStatus": ["planned", "in_progress", "done", "cancelled"],
    "ImportAction": ["create", "review", "update", "exists", "older", "duplicate", "closed"],
    "ImportVerdict": ["clean", "findings"],
    "Role": ["admin", "editor", "auditor"],
    "HeatmapBasis": ["residual", "inherent", "both"],
    "HeatmapFormat": ["png", "svg"],
    "RegisterFormat": ["html", "pdf", "csv", "xlsx", "json"],
    "RegisterTable": ["risks", "actions"],
    "ReportFormat": ["html", "pdf", "xlsx", "json"],
    "AppetiteLevel": ["averse", "minimal", "cautious", "open", "eager"],
    "EscalationKind": ["escalate", "de-escalate"],
    "CorporateFormat": ["html", "pdf", "xlsx", "csv", "json"],
}


def test_operation_ids_are_short_and_stable(app: FastAPI) -> None:
    """Each operation's id is the contract's (its route function's name), not FastAPI's path-derived one."""
    found = {
        (method.upper(), path): operation["operationId"]
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
    }
    assert found == OPERATION_IDS


def _enums(node: object, where: str) -> list[str]:
    """Where `node` holds an `enum`, as paths through the document."""
    if isinstance(node, dict):
        here = [where] if "enum" in node else []
        return here + [hit for key, value in node.items() for hit in _enums(value, f"{where}/{key}")]
    if isinstance(node, list):
        return [hit for index, value in enumerate(node) for hit in _enums(value, f"{where}/{index}")]
    return []


def test_each_enum_is_one_named_component_referenced_everywhere(app: FastAPI) -> None:
    """No enum is inlined in a schema or parameter: each is a component of its own, used by reference."""
    document = app.openapi()
    assert sorted(_enums(document, "")) == sorted(f"/components/schemas/{name}" for name in ENUMS)
    schemas = document["components"]["schemas"]
    assert {name: schemas[name]["enum"] for name in ENUMS} == ENUMS
    text = str(document)
    for name in ENUMS:
        assert f"'#/components/schemas/{name}'" in text, f"{name} is never referenced"


def test_every_error_refers_to_the_one_problem_component(app: FastAPI) -> None:
    """Error responses share the named Problem schema, whose `errors` items are the named FieldError."""
    document = app.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"][PROBLEM_JSON]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
    problem = document["components"]["schemas"]["Problem"]
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert set(document["components"]["schemas"]["FieldError"]["required"]) == {"loc", "field", "msg", "type"}
