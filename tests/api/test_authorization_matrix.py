"""Every route of the OpenAPI document against no token, bad tokens and each role."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from app import app  # noqa: F401  (registers every route)
from chalicelib.api.routing import ROUTES, RouteSpec
from chalicelib.models.users import ROLE_RANK
from chalicelib.services import common
from chalicelib.services.tokens import AccessClaims, issue_access_token, signing_key
from chalicelib.settings import get_settings
from tests.support.auth import make_user, token_for
from tests.support.http import Api

ROLES = ("viewer", "editor", "admin")


def concrete_path(spec: RouteSpec) -> str:
    return re.sub(r"{\w+}", lambda _: str(ObjectId()), spec.path)


def call(api: Api, spec: RouteSpec, headers: dict[str, str]) -> Any:
    body: dict[str, Any] | None = {} if spec.body is not None else None
    content_type = {"Content-Type": spec.content_types[0]}
    return api.call(spec.method, concrete_path(spec), body, headers={**content_type, **headers})


def fresh_bearer(db: Any, role: str) -> dict[str, str]:
    user = db.users.find_one({"role": role}) or make_user(db, role)
    return {"Authorization": f"Bearer {token_for(db, user).access_token}"}


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def spec_id(spec: RouteSpec) -> str:
    return f"{spec.method} {spec.path}"


PROTECTED = [s for s in ROUTES if s.role is not None]
PUBLIC = [s for s in ROUTES if s.role is None]


def test_route_table_is_complete() -> None:
    assert len(PROTECTED) > 20
    assert {spec_id(s) for s in PUBLIC} == {
        "GET /api/health",
        "GET /api/openapi.json",
        "POST /api/auth/login",
        "POST /api/auth/refresh",
    }


@pytest.mark.parametrize("spec", PROTECTED, ids=spec_id)
def test_protected_route_matrix(api_as: Any, db: Any, spec: RouteSpec) -> None:
    anon: Api = api_as(None)
    assert call(anon, spec, {}).status == 401, "no token"
    assert call(anon, spec, {"Authorization": "Basic abc"}).status == 401, "wrong scheme"
    assert call(anon, spec, {"Authorization": "Bearer not.a.jwt"}).status == 401, "garbage"

    viewer = db.users.find_one({"role": "viewer"}) or make_user(db, "viewer")
    valid = token_for(db, viewer)
    tampered = tamper(valid.access_token)
    assert call(anon, spec, {"Authorization": f"Bearer {tampered}"}).status == 401, "tampered"

    settings = get_settings()
    session_id = valid.refresh_token.split(".")[0]
    claims = AccessClaims(str(viewer["_id"]), session_id, viewer["email"], "viewer")
    expired, _ = issue_access_token(
        claims, signing_key(settings), common.utcnow() - timedelta(hours=2), minutes=15
    )
    assert call(anon, spec, {"Authorization": f"Bearer {expired}"}).status == 401, "expired"

    assert spec.role is not None
    for role in ROLES:
        status = call(anon, spec, fresh_bearer(db, role)).status
        if ROLE_RANK[role] >= ROLE_RANK[spec.role]:
            assert status not in (401, 403), f"{role} should be allowed, got {status}"
        else:
            assert status == 403, f"{role} should be forbidden, got {status}"


@pytest.mark.parametrize("spec", PUBLIC, ids=spec_id)
def test_public_routes_need_no_token(api_as: Any, spec: RouteSpec) -> None:
    assert call(api_as(None), spec, {}).status not in (401, 403)


def test_forbidden_is_problem_json_naming_the_role(api_as: Any) -> None:
    result = api_as("viewer").post("/api/stages", {"title": "x"})
    assert result.status == 403
    assert result.header("Content-Type") == "application/problem+json"
    assert "admin" in result.body["message"]
