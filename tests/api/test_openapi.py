"""The OpenAPI document: every Chalice route is declared, schemas come from the models."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from tests.support.http import Api


def test_document_is_valid_openapi_31(api: Api) -> None:
    result = api.get("/api/openapi.json")
    assert result.status == 200
    assert result.body["openapi"] == "3.1.0"
    validate(result.body)


def test_every_chalice_route_is_in_the_document(api: Api) -> None:
    from app import app

    document = api.get("/api/openapi.json").body
    for path, methods in app.routes.items():
        for method in methods:
            if method == "OPTIONS":
                continue
            assert method.lower() in document["paths"].get(path, {}), f"{method} {path} missing"


def test_request_and_response_schemas_match_the_models(api: Api) -> None:
    from chalicelib.api.openapi import model_schema_ref
    from chalicelib.api.routing import ROUTES

    document = api.get("/api/openapi.json").body
    schemas = document["components"]["schemas"]
    for spec in ROUTES:
        op = document["paths"][spec.path][spec.method.lower()]
        if spec.body is not None:
            expected: dict[str, Any] = {}
            ref = model_schema_ref(spec.body, "validation", expected)
            assert op["requestBody"]["content"]["application/json"]["schema"] == ref
            assert schemas[spec.body.__name__] == expected[spec.body.__name__]
        if spec.response is not None:
            content = op["responses"][str(spec.status)]["content"]["application/json"]["schema"]
            target = content["items"] if spec.many else content
            assert target == {"$ref": f"#/components/schemas/{spec.response.__name__}"}


def test_public_routes_are_exactly_health_openapi_login_refresh(api: Api) -> None:
    document = api.get("/api/openapi.json").body
    public = sorted(
        f"{method.upper()} {path}"
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if op["security"] == []
    )
    assert public == [
        "GET /api/health",
        "GET /api/openapi.json",
        "POST /api/auth/login",
        "POST /api/auth/refresh",
    ]


def test_multipart_routes_document_their_file_part(api: Api) -> None:
    document = api.get("/api/openapi.json").body
    avatar = document["paths"]["/api/teachers/{id}/avatar"]["post"]
    schema = avatar["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"]["format"] == "binary"
