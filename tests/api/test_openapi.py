"""The OpenAPI document is generated (3.1), every operation in it is covered by the
authorization matrix (so a new write route without tests fails here), and request schemas
forbid unknown fields."""

import pytest

from tests.api.test_matrix import PATHS, ROUTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_generated(schema):
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["version"] == "1"
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_operation_is_in_the_authorization_matrix(schema):
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    tested = {(ROUTES[name][0], PATHS[name]) for name in ROUTES}
    assert documented == tested
    writes = {op for op in documented if op[0] != "GET"}
    assert len(writes) == 18


def test_request_schemas_forbid_unknown_fields(schema):
    inputs = [
        component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("In")
    ]
    assert len(inputs) == 11
    assert all(component.get("additionalProperties") is False for component in inputs)


def test_docs_page_loads_its_scripts_with_the_nonce(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert page.count(f'nonce="{nonce}"') == 2
    assert "cdn." not in page
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp
