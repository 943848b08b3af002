"""The OpenAPI 3.1 schema: served at /api/v1/schema/, committed as docs/openapi.yaml (this
test fails when the committed copy differs from what the code generates: run
``make openapi``), and the docs page served from our own files under the site's CSP."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db
COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def _generated() -> str:
    out = io.StringIO()
    call_command("spectacular", "--validate", stdout=out)
    return out.getvalue()


def test_the_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text() == _generated(), (
        "docs/openapi.yaml is out of date: run `make openapi` and commit it"
    )


def test_the_schema_is_openapi_3_1_with_every_endpoint_and_the_token_scheme():
    schema = yaml.safe_load(_generated())
    assert schema["openapi"] == "3.1.0"
    paths = set(schema["paths"])
    for path in (
        "/api/v1/fact-checks/",
        "/api/v1/fact-checks/{id}/",
        "/api/v1/claims/",
        "/api/v1/claims/{id}/",
        "/api/v1/articles/",
        "/api/v1/articles/{id}/",
        "/api/v1/ingest-jobs/{id}/",
        "/api/v1/links/",
        "/api/v1/sources/",
        "/api/v1/checked-before/",
    ):
        assert path in paths, path
    assert "/api/v1/tokens/" not in paths and "/api/v1/schema/" not in paths
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert scheme == {
        "type": "http",
        "scheme": "bearer",
        "description": scheme["description"],
    }
    # The queue's filters are documented on the claims list.
    names = {p["name"] for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    assert {"q", "status", "assignee", "rating", "cursor", "page_size"} <= names
    assert "o" not in names
    post = schema["paths"]["/api/v1/articles/"]["post"]["responses"]
    assert {"201", "202", "400", "401", "403"} <= set(post)


def test_the_schema_is_served(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"] == "3.1.0"


def test_the_docs_page_loads_swagger_ui_from_our_own_files(client):
    response = client.get(reverse("api:docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3 and "<script>" not in html and "<style" not in html
    for src in scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert src.startswith("/"), src  # our own address, never a CDN
        asset = client.get(src.replace("&amp;", "&"))
        assert asset.status_code == 200, src
        body = b"".join(asset) if asset.streaming else asset.content
        assert body
    start = client.get(reverse("api:docs") + "?script=").content.decode()
    assert reverse("api:schema") in start


def test_integer_bounds_are_the_portable_ones_whatever_the_database():
    """SQLite reports 64-bit bounds for a model IntegerField, PostgreSQL 32-bit: the API
    states (and checks) the 32-bit range in both modes, so the committed schema is one."""
    from api.resource_serializers import AppearanceSerializer

    start = AppearanceSerializer().fields["start"]
    assert (start.min_value, start.max_value) == (0, 2147483647)
    assert "9223372036854775807" not in _generated()
