"""Tokens: made by `riskreg token` or the API, shown once, stored only as a hash, revoked, expired."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, inspect, text
from typer.testing import CliRunner

import app.access.tokens as token_rules
from app.access.principal import Role
from app.access.tokens import hash_token
from app.db import transaction
from app.models import ApiToken
from app.models.base import utcnow
from tests.access.command import made, run
from tests.access.seed import B, as_token, seed
from tests.api.builders import make_service
from tests.conftest import make_token


def test_cli_token_is_printed_once_and_never_listed(app: FastAPI, riskreg: CliRunner) -> None:
    secret = made(run(riskreg, "token", "create", "--role", "auditor", "--name", "cli-auditor"))
    assert secret.startswith("rr_")
    assert len(secret) > 40
    assert as_token(app, secret).get("/api/v1/risks").status_code == 200
    listing = run(riskreg, "token", "list")
    assert listing.exit_code == 0, listing.output
    assert "cli-auditor" in listing.output
    assert "auditor" in listing.output
    assert secret not in listing.output
    assert hashlib.sha256(secret.encode()).hexdigest() not in listing.output
    assert secret[10:20] not in listing.output  # not even a part past the prefix
    # Made by the command line, recorded in the trail with the system as actor.
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    events = admin.get(
        "/api/v1/audit/events", params={"action": "token.create", "entity_type": "token"}
    ).json()
    made_by_cli = [e for e in events["items"] if e["after"]["name"] == "cli-auditor"]
    assert [e["actor"] for e in made_by_cli] == ["system (command line)"]
    assert secret not in str(events)


def test_cli_editor_token_needs_a_known_service(app: FastAPI, riskreg: CliRunner) -> None:
    refused = run(riskreg, "token", "create", "--role", "editor", "--name", "no-service")
    assert refused.exit_code == 1
    assert "service" in refused.stderr
    assert not refused.stdout.strip()
    unknown = run(riskreg, "token", "create", "--role", "editor", "--service", "CP", "--name", "unknown")
    assert unknown.exit_code == 1
    assert "CP" in unknown.stderr
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    make_service(admin, "CP")
    secret = made(
        run(riskreg, "token", "create", "--role", "editor", "--service", "cp", "--name", "cp-editor")
    )
    tokens = {t["name"]: t for t in admin.get("/api/v1/tokens").json()}
    assert tokens["cp-editor"]["services"] == ["CP"]
    assert as_token(app, secret).get("/api/v1/services").json()[0]["code"] == "CP"
    assert run(riskreg, "token", "create", "--role", "root").exit_code == 2


def test_cli_revoked_token_is_refused(app: FastAPI, riskreg: CliRunner) -> None:
    secret = made(run(riskreg, "token", "create", "--role", "admin", "--name", "to-revoke"))
    client = as_token(app, secret)
    assert client.get("/api/v1/tokens").status_code == 200
    revoked = run(riskreg, "token", "revoke", "to-revoke")
    assert revoked.exit_code == 0, revoked.output
    refused = client.get("/api/v1/tokens")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert run(riskreg, "token", "revoke", "to-revoke").exit_code == 1
    assert run(riskreg, "token", "revoke", "no-such-token").exit_code == 1


def test_cli_expired_token_is_refused(
    app: FastAPI, riskreg: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    past = f"{utcnow() - timedelta(days=1):%Y-%m-%dT%H:%M:%S}"
    assert run(riskreg, "token", "create", "--role", "auditor", "--expires", past).exit_code == 1
    soon = utcnow() + timedelta(hours=1)
    secret = made(
        run(
            riskreg,
            "token",
            "create",
            "--role",
            "auditor",
            "--name",
            "brief",
            "--expires",
            f"{soon:%Y-%m-%dT%H:%M:%S}",
        )
    )
    client = as_token(app, secret)
    assert client.get("/api/v1/risks").status_code == 200
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(token_rules, "utcnow", lambda: later)
    refused = client.get("/api/v1/risks")
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_api_tokens_are_made_listed_and_revoked_by_admins(app: FastAPI) -> None:
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    make_service(admin, "CP")
    expires = (utcnow() + timedelta(days=30)).isoformat()
    response = admin.post(
        "/api/v1/tokens",
        json={"name": "api-editor", "role": "editor", "services": ["cp"], "expires_at": expires},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    secret = body["token"]
    assert (body["name"], body["role"], body["services"]) == ("api-editor", "editor", ["CP"])
    assert body["created_by"] == "admin"
    assert body["expires_at"] is not None
    assert response.headers["cache-control"] == "no-store"
    editor = as_token(app, secret)
    assert editor.get("/api/v1/services").status_code == 200
    listing = admin.get("/api/v1/tokens")
    assert secret not in listing.text
    assert "hash" not in listing.text
    assert [t["name"] for t in listing.json()] == ["api-editor", "admin"]
    assert editor.post("/api/v1/tokens", json={"name": "mine", "role": "admin"}).status_code == 403
    assert editor.delete("/api/v1/tokens/admin").status_code == 403
    assert admin.delete("/api/v1/tokens/api-editor").status_code == 204
    assert editor.get("/api/v1/services").status_code == 401
    assert admin.get("/api/v1/tokens").json()[0]["revoked_at"] is not None
    assert admin.delete("/api/v1/tokens/api-editor").status_code == 409
    assert admin.delete("/api/v1/tokens/no-such").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "ed", "role": "editor"}, 422),  # an editor needs a service
        ({"name": "ed", "role": "editor", "services": ["NOPE"]}, 422),
        ({"name": "x", "role": "root"}, 422),
        ({"name": "has space", "role": "auditor"}, 422),
        ({"name": "x", "role": "auditor", "expires_at": "2001-01-01T00:00:00Z"}, 422),
        ({"name": "x", "role": "auditor", "token_hash": "0" * 64}, 422),
        ({"name": "admin", "role": "auditor"}, 409),
    ],
)
def test_api_refuses_bad_tokens(app: FastAPI, body: dict[str, object], status: int) -> None:
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    response = admin.post("/api/v1/tokens", json=body)
    assert response.status_code == status, response.text
    assert len(admin.get("/api/v1/tokens").json()) == 1


def test_a_database_dump_holds_no_token(app: FastAPI, riskreg: CliRunner, engine: Engine) -> None:
    secrets = [made(run(riskreg, "token", "create", "--role", "admin", "--name", "dumped-cli"))]
    admin = as_token(app, secrets[0])
    make_service(admin, "CP")
    made_by_api = admin.post(
        "/api/v1/tokens", json={"name": "dumped-api", "role": "editor", "services": ["CP"]}
    )
    secrets.append(made_by_api.json()["token"])
    assert as_token(app, secrets[1]).get("/api/v1/risks").status_code == 200
    assert admin.delete("/api/v1/tokens/dumped-api").status_code == 204
    dump = database_dump(engine)
    for secret in secrets:
        assert hashlib.sha256(secret.encode()).hexdigest().encode() in dump  # the dump is complete...
        assert secret.encode() not in dump  # ...and holds no token
        assert secret[10:].encode() not in dump


def database_dump(engine: Engine) -> bytes:
    """Everything the database holds: its files on SQLite; pg_dump and every row as text on PostgreSQL."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        assert url.database
        return b"".join(
            Path(f"{url.database}{suffix}").read_bytes()
            for suffix in ("", "-wal", "-shm")
            if Path(f"{url.database}{suffix}").exists()
        )
    parts: list[bytes] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars().all()
            parts.extend(row.encode() for row in rows)
    pg_dump = shutil.which("pg_dump")
    if pg_dump:
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        dumped = subprocess.run([pg_dump, "--data-only", libpq], capture_output=True, check=True, timeout=60)
        parts.append(dumped.stdout)
    return b"\n".join(parts)


def test_an_editor_token_without_services_reads_nothing(app: FastAPI) -> None:
    world = seed(app)
    secret = "rr_" + "e" * 43
    with transaction(app.state.engine) as session:  # made by hand: the command and the API refuse it
        session.add(
            ApiToken(
                name="bare-editor",
                role="editor",
                services=[],
                token_hash=hash_token(secret),
                prefix=secret[:10],
                created_by="test",
            )
        )
    bare = as_token(app, secret)
    assert bare.get("/api/v1/services").json() == []
    assert bare.get("/api/v1/risks", params={"status": "all"}).json()["total"] == 0
    assert bare.get(f"/api/v1/risks/{world.risk_a}").status_code == 404
    assert bare.get(f"/api/v1/services/{B}").status_code == 404
    assert bare.get("/api/v1/audit/events").status_code == 403


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_services_on_an_auditor_or_admin_token_are_refused(
    app: FastAPI, riskreg: CliRunner, role: str
) -> None:
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    make_service(admin, "CP")
    response = admin.post("/api/v1/tokens", json={"name": f"{role}-cp", "role": role, "services": ["CP"]})
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == "body.services"
    assert "only an editor token names services" in problem["msg"]
    refused = run(riskreg, "token", "create", "--role", role, "--service", "CP", "--name", f"cli-{role}-cp")
    assert refused.exit_code == 2
    assert "only an editor token names services" in refused.stderr
    assert not refused.stdout.strip()
    assert [t["name"] for t in admin.get("/api/v1/tokens").json()] == ["admin"]
    assert (
        admin.post("/api/v1/tokens", json={"name": f"{role}-all", "role": role, "services": []}).status_code
        == 201
    )


@pytest.mark.parametrize(
    "expires_at",
    ["9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z", "9999-12-31", "3000-01-01T00:00:00+14:00"],
)
def test_an_expiry_at_the_far_end_of_the_calendar_is_refused_naming_it(app: FastAPI, expires_at: str) -> None:
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    response = admin.post(
        "/api/v1/tokens", json={"name": "forever", "role": "auditor", "expires_at": expires_at}
    )
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == "body.expires_at"
    assert "2999-12-31" in problem["msg"]
    assert [t["name"] for t in admin.get("/api/v1/tokens").json()] == ["admin"]
    far = {"name": "far", "role": "auditor", "expires_at": "2999-12-31T23:59:59-05:00"}
    assert admin.post("/api/v1/tokens", json=far).json()["expires_at"] == "3000-01-01T04:59:59Z"


def test_a_nul_in_a_token_name_is_refused_naming_it(app: FastAPI, riskreg: CliRunner) -> None:
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    response = admin.delete("/api/v1/tokens/ad%00min")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "path.name"
    created = admin.post("/api/v1/tokens", json={"name": "ad\x00min", "role": "auditor"})
    assert created.status_code == 422
    assert created.json()["errors"][0]["field"] == "body.name"
    refused = run(riskreg, "token", "revoke", "ad\x00min")
    assert refused.exit_code == 1
    assert "NUL" in refused.stderr
    assert admin.get("/api/v1/tokens").json()[0]["revoked_at"] is None


@pytest.mark.parametrize("expires_at", ["0001-01-01T00:00:00+00:01", "0001-01-01T00:00:00Z", "1999-12-31"])
def test_an_expiry_at_the_start_of_the_calendar_is_refused_naming_it(app: FastAPI, expires_at: str) -> None:
    """Found by fuzzing on PostgreSQL: the first moment of year 1 east of UTC overflowed on its
    way to UTC (500)."""
    admin = as_token(app, make_token(app.state.engine, Role.ADMIN, name="admin"))
    response = admin.post(
        "/api/v1/tokens", json={"name": "past", "role": "auditor", "expires_at": expires_at}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.expires_at"]
