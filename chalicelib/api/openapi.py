"""The OpenAPI 3.1 document, generated from the route registry and the pydantic models."""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib import __version__
from chalicelib.api.routing import ROUTES, ApiRequest, RouteSpec, route

bp = Blueprint(__name__)

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `message` repeats `detail` for the FETMS SPA.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "message": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail", "message"],
}


MULTIPART = "multipart/form-data"
MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "FETMS-compatible upload: one file part plus optional text fields "
    "(number, expiryDate, name, boxId); small files only — use the presigned flow for larger ones.",
    "properties": {"file": {"type": "string", "format": "binary"}},
}


def build_openapi() -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FETMS Serverless API",
            "version": __version__,
            "description": "Foreign English teacher management (FETMS-compatible JSON API).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def model_schema_ref(
    model: type[BaseModel], mode: str, components: dict[str, Any]
) -> dict[str, Any]:
    """Register ``model`` (and its nested models) under components and return a ``$ref``."""
    name = model.__name__
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    for def_name, definition in schema.pop("$defs", {}).items():
        components.setdefault(def_name, definition)
    components.setdefault(name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(spec: RouteSpec, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": _path_parameters(spec.path) + _query_parameters(spec, components),
        "responses": _responses(spec, components),
    }
    if spec.role is not None:
        op["security"] = [{"bearerAuth": []}]
        op["x-fetms-role"] = spec.role
    else:
        op["security"] = []
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": model_schema_ref(spec.body, "validation", components)
                }
            },
        }
    if MULTIPART in spec.content_types:
        content = op.setdefault("requestBody", {"required": True, "content": {}})["content"]
        content[MULTIPART] = {"schema": MULTIPART_SCHEMA}
    if spec.method in ("PUT", "PATCH", "DELETE") and "{" in spec.path:
        op["parameters"].append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "The `__v` version (ETag) the change is based on; stale → 412.",
                "schema": {"type": "string"},
            }
        )
    return op


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]


def _query_parameters(spec: RouteSpec, components: dict[str, Any]) -> list[dict[str, Any]]:
    if spec.query is None:
        return []
    schema = spec.query.model_json_schema(ref_template="#/components/schemas/{model}")
    for def_name, definition in schema.pop("$defs", {}).items():
        components.setdefault(def_name, definition)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _responses(spec: RouteSpec, components: dict[str, Any]) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    success: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        ref = model_schema_ref(spec.response, "serialization", components)
        schema = {"type": "array", "items": ref} if spec.many else ref
        success["content"] = {"application/json": {"schema": schema}}
    if spec.paged:
        success["headers"] = {
            "X-Total-Count": {"schema": {"type": "integer"}, "description": "Total matching items"},
            "Link": {"schema": {"type": "string"}, "description": 'rel="next" page, when any'},
        }
    responses: dict[str, Any] = {str(spec.status): success}
    responses["400"] = {"description": "Invalid input", "content": problem}
    if spec.role is not None:
        responses["401"] = {"description": "Missing or invalid token", "content": problem}
        responses["403"] = {"description": "Role not allowed", "content": problem}
    if "{" in spec.path:
        responses["404"] = {"description": "Not found", "content": problem}
    if spec.method in ("PUT", "PATCH", "DELETE"):
        responses["412"] = {"description": "Stale If-Match", "content": problem}
    responses["503"] = {"description": "Database unavailable or maintenance", "content": problem}
    return responses


@route(bp, "/api/openapi.json", summary="This OpenAPI document", role=None)
def openapi_document(req: ApiRequest) -> dict[str, Any]:
    return build_openapi()
