"""OpenAPI 3 at /api/schema/ and docs at /api/docs/ with locally served assets."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_without_warnings():
    out = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    assert '"openapi": "3.' in out.getvalue()


def test_schema_lists_the_public_contract_paths(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/auth/register/",
        "/api/v1/auth/register/confirm/",
        "/api/v1/me/phone/",
        "/api/v1/me/phone/confirm/",
        "/api/v1/auth/token/",
        "/api/v1/feed/persons/",
        "/api/v1/feed/employers/",
        "/api/v1/me/",
    ):
        assert path in schema["paths"]


def test_docs_load_their_assets_from_this_server(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


def test_api_errors_are_json_with_detail_and_errors(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"], "errors": {}}
    malformed = client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert set(malformed.json()) == {"detail", "errors"}
