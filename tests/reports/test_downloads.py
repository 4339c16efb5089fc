"""Every download names its file safely, whatever the service is called."""

# ruff: noqa: RUF001  (the curly apostrophe is the point of the test)

from __future__ import annotations

from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.api.builders import make_risk, make_service

NAMES = {
    "CS": "Children’s Services",  # outside Latin-1
    "NL": "Adult\nSocial Care",  # a newline would end the header
    "QT": 'Parks "and" Open Spaces; filename=evil.exe',  # a quote would open a parameter
}

DOWNLOADS = [
    ("heatmap", "png"),
    ("heatmap", "svg"),
    ("register", "html"),
    ("register", "pdf"),
    ("register", "csv"),
    ("register", "xlsx"),
    ("six-monthly", "html"),
    ("six-monthly", "pdf"),
    ("six-monthly", "xlsx"),
]


def filename_star(disposition: str) -> str:
    """The decoded value of `filename*` in a Content-Disposition header."""
    marker = "filename*=UTF-8''"
    assert disposition.count(marker) == 1, disposition
    return unquote(disposition.split(marker, 1)[1])


@pytest.mark.parametrize(("report", "fmt"), DOWNLOADS)
def test_every_download_has_a_safe_ascii_filename_and_the_exact_one(
    client: TestClient, report: str, fmt: str
) -> None:
    for code, name in NAMES.items():
        make_service(client, code=code, name=name)
        make_risk(client, service=code, ref=f"{code}1", residual=(3, 3))
    for code, name in NAMES.items():
        params = {"service": code, "format": fmt}
        if report == "six-monthly":
            params["period"] = "current"
        response = client.get(f"/api/v1/reports/{report}", params=params)
        assert response.status_code == 200, (name, response.text)
        disposition = response.headers["Content-Disposition"]
        assert disposition.isascii()
        assert disposition.startswith('attachment; filename="')
        ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert ascii_name.endswith(f".{fmt}")
        assert all(c.isalnum() or c in "._-" for c in ascii_name), ascii_name
        exact = filename_star(disposition)
        assert exact.endswith(f".{fmt}")
        if report == "heatmap":  # the other files are named by service code
            assert "-".join(name.lower().split()) in exact, exact
        else:
            assert code in exact
