"""The worked examples of the OpenAPI document: every write has them, and the API accepts each one."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

WRITES = ("post", "put", "patch")


def _shown(app: FastAPI, operation_id: str) -> list[dict[str, Any]]:
    """The example bodies the document (and so /docs) shows for an operation."""
    for operations in app.openapi()["paths"].values():
        for operation in operations.values():
            if operation["operationId"] == operation_id:
                content = operation["requestBody"]["content"]["application/json"]
                return [example["value"] for example in content["examples"].values()]
    raise AssertionError(f"no operation {operation_id}")


def test_every_write_body_has_a_worked_example(app: FastAPI) -> None:
    """Each operation that takes a JSON body shows at least one example of it in the document (and /docs)."""
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in WRITES or "requestBody" not in operation:
                continue
            shown = operation["requestBody"]["content"]["application/json"].get("examples")
            assert shown, f"{method.upper()} {path} has no example body"
            for name, example in shown.items():
                assert example.get("summary"), (path, name)
                assert example.get("value"), (path, name)


def test_every_example_is_accepted_in_the_order_it_tells(app: FastAPI, client: TestClient) -> None:
    """Posted in the story's order to a fresh register, each example body gets a 2xx."""

    def accepted(method: str, url: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        response = client.request(method, url, json=body, headers=headers)
        assert 200 <= response.status_code < 300, (url, body, response.text)
        return response.json() if response.content else {}

    (service,) = _shown(app, "create_service")
    accepted("POST", "/api/v1/services", service)
    code = service["code"]
    for body in _shown(app, "update_service"):
        accepted("PATCH", f"/api/v1/services/{code}", body)
    risk_ids = {}
    for body in _shown(app, "create_risk"):
        risk_ids[body["ref"]] = accepted("POST", f"/api/v1/services/{code}/risks", body)["id"]
    first = next(iter(risk_ids.values()))
    for body in _shown(app, "review_risk"):
        accepted("POST", f"/api/v1/risks/{first}/reviews", body)
    for body in _shown(app, "review_service"):
        recorded = accepted("POST", f"/api/v1/services/{code}/reviews", body)
        assert [r["ref"] for r in recorded["reviews"]] == [r["ref"] for r in body["reviews"]]
    # The appetite is approved; the first risk is escalated to the corporate register and back.
    for body in _shown(app, "update_appetite"):
        assert accepted("PUT", "/api/v1/appetite", body)["version"] >= 1
    for body in _shown(app, "escalate_risk"):
        assert accepted("POST", f"/api/v1/risks/{first}/escalate", body)["kind"] == "escalate"
    for body in _shown(app, "de_escalate_risk"):
        assert accepted("POST", f"/api/v1/risks/{first}/de-escalate", body)["kind"] == "de-escalate"
    # An action on the first risk (which stays open), a progress note, then it is done.
    for body in _shown(app, "create_action"):
        action_id = accepted("POST", f"/api/v1/risks/{first}/actions", body)["id"]
    for body in _shown(app, "add_action_update"):
        accepted("POST", f"/api/v1/actions/{action_id}/updates", body)
    for body in _shown(app, "update_action"):
        etag = client.get(f"/api/v1/actions/{action_id}").headers["ETag"]
        accepted("PATCH", f"/api/v1/actions/{action_id}", body, **{"If-Match": etag})
    # Each change goes to a risk of its own: the closing one last, as the story tells it.
    for risk_id, body in zip(risk_ids.values(), _shown(app, "update_risk"), strict=True):
        etag = client.get(f"/api/v1/risks/{risk_id}").headers["ETag"]
        accepted("PATCH", f"/api/v1/risks/{risk_id}", body, **{"If-Match": etag})
    for body in _shown(app, "create_token"):
        assert accepted("POST", "/api/v1/tokens", body)["token"]
    for body in _shown(app, "import_service_plan"):
        planned = accepted("POST", "/api/v1/imports", body)
        assert planned["risks"], planned
