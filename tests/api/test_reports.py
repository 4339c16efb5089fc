"""The heat map download: always the register as it stands, checked per request, revalidated by ETag."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.clock import today
from tests.api.builders import close_risk, make_risk, make_service, review
from tests.conftest import make_token

HEATMAP = "/api/v1/reports/heatmap"
PNG = b"\x89PNG\r\n\x1a\n"


def heatmap(client: TestClient, token: str | None = None, etag: str | None = None, **params: str):  # type: ignore[no-untyped-def]
    """GET the heat map (PNG of CP unless told), with another token or If-None-Match when given."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if etag is not None:
        headers["If-None-Match"] = etag
    return client.get(HEATMAP, params={"service": "CP", "format": "png"} | params, headers=headers)


def test_the_same_picture_again_has_the_same_bytes_and_etag(client: TestClient) -> None:
    make_service(client)
    make_risk(client, residual=(4, 4))
    first, again = heatmap(client), heatmap(client)
    assert first.status_code == again.status_code == 200, first.text
    assert first.content.startswith(PNG)
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "no-store"  # it carries register data; ETag still answers 304
    assert 'filename="heatmap-community-partnerships-residual-' in first.headers["Content-Disposition"]


def test_if_none_match_answers_304_without_a_body(client: TestClient) -> None:
    make_service(client)
    make_risk(client, residual=(2, 3))
    etag = heatmap(client).headers["ETag"]
    for sent in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
        response = heatmap(client, etag=sent)
        assert response.status_code == 304, sent
        assert response.content == b""
        assert response.headers["ETag"] == etag
    assert heatmap(client, etag='W/"something-else"').status_code == 200


def test_the_cached_picture_follows_a_review(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, residual=(2, 3))
    before = heatmap(client)
    review(client, risk["id"], (4, 4))
    after = heatmap(client, etag=before.headers["ETag"])
    assert after.status_code == 200
    assert after.content != before.content
    assert after.headers["ETag"] != before.headers["ETag"]
    # and back: the first picture again, from the cache, with its own tag
    review(client, risk["id"], (2, 3))
    assert heatmap(client, etag=before.headers["ETag"]).status_code == 304


def test_the_cached_picture_follows_a_new_and_a_closed_risk(client: TestClient) -> None:
    make_service(client)
    first = make_risk(client, "CP", "CP01", residual=(2, 3))
    tags = [heatmap(client).headers["ETag"]]
    make_risk(client, "CP", "CP02", residual=(2, 3))  # the same cell: only the count and refs differ
    tags.append(heatmap(client).headers["ETag"])
    close_risk(client, first["id"])
    tags.append(heatmap(client).headers["ETag"])
    assert len(set(tags)) == 3
    assert heatmap(client, basis="inherent").headers["ETag"] not in tags
    assert heatmap(client, format="svg").headers["ETag"] not in tags


def test_a_token_without_the_service_gets_404_even_for_a_cached_picture(
    client: TestClient, app: FastAPI
) -> None:
    make_service(client)
    make_service(client, "HS", "Housing Services")
    make_risk(client, residual=(3, 3))
    cached = heatmap(client)
    assert cached.status_code == 200
    other = make_token(app.state.engine, Role.EDITOR, ["HS"], name="editor-hs")
    for etag in (None, cached.headers["ETag"]):
        refused = heatmap(client, token=other, etag=etag)
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "ETag" not in refused.headers
    assert heatmap(client, token=other, service="HS").status_code == 200
    assert heatmap(client, token="rr_not-a-token").status_code == 401


def test_an_editor_council_map_shows_only_its_services(client: TestClient, app: FastAPI) -> None:
    make_service(client)
    make_service(client, "HS", "Housing Services")
    make_risk(client, "CP", "CP01", residual=(3, 3))
    make_risk(client, "HS", "HS01", residual=(1, 1))
    editor = make_token(app.state.engine, Role.EDITOR, ["HS"], name="editor-hs")
    mine = client.get(HEATMAP, params={"format": "svg"}, headers={"Authorization": f"Bearer {editor}"})
    assert mine.status_code == 200, mine.text
    assert b"HS01" in mine.content
    assert b"CP01" not in mine.content
    assert b"Council: residual risk" in mine.content
    everything = client.get(HEATMAP, params={"format": "svg"})
    assert b"HS01" in everything.content
    assert b"CP01" in everything.content


def test_several_services_are_named_by_their_codes(client: TestClient) -> None:
    make_service(client)
    make_service(client, "HS", "Housing Services")
    make_risk(client, "HS", "HS01", residual=(1, 1))
    response = client.get(HEATMAP, params=[("service", "hs"), ("service", "CP"), ("format", "svg")])
    assert response.status_code == 200, response.text
    assert b"CP HS: residual risk" in response.content
    assert b"HS01" in response.content


def test_an_unknown_or_malformed_service_is_404(client: TestClient) -> None:
    make_service(client)
    for code in ("ZZ", "C-P", "C\u00e9"):
        response = heatmap(client, service=code)
        assert response.status_code == 404, code
        assert response.headers["content-type"] == "application/problem+json"
    response = client.get(HEATMAP, params=[("service", "CP"), ("service", "ZZ")])
    assert response.status_code == 404
    assert "ZZ" in response.json()["detail"]


def test_a_service_without_risks_has_an_empty_map(client: TestClient) -> None:
    make_service(client)
    response = heatmap(client, format="svg")
    assert response.status_code == 200, response.text
    assert b"Community Partnerships: residual risk" in response.content


def test_as_of_draws_the_register_of_that_day(client: TestClient) -> None:
    make_service(client)
    day = today()
    risk = make_risk(client, residual=(1, 1), reviewed_on=day - timedelta(days=30))
    review(client, risk["id"], (4, 4), reviewed_on=day)
    then = heatmap(client, as_of=(day - timedelta(days=1)).isoformat(), format="svg", basis="both")
    assert then.status_code == 200, then.text
    assert b"Community Partnerships: inherent and residual risk" in then.content
    now = heatmap(client, format="svg", basis="both")
    assert now.headers["ETag"] != then.headers["ETag"]
