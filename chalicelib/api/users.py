"""User administration routes (admin only)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.users import (
    UserAdminOut,
    UserCreate,
    UserListQuery,
    UserOut,
    UserUpdate,
    UserWithPasswordOut,
)
from chalicelib.services import user_admin, users
from chalicelib.services.common import Page
from chalicelib.services.tokens import signing_key

bp = Blueprint(__name__)


@route(
    bp,
    "/api/users",
    summary="List users",
    role="admin",
    query=UserListQuery,
    response=UserAdminOut,
    paged=True,
)
def list_users(req: ApiRequest) -> Page:
    return user_admin.list_users(
        req.db,
        include_inactive=req.query.includeInactive,
        limit=req.limit,
        offset=req.offset,
        key=signing_key(req.settings),
    )


@route(
    bp,
    "/api/users",
    "POST",
    summary="Create a user",
    role="admin",
    body=UserCreate,
    response=UserWithPasswordOut,
)
def create_user(req: ApiRequest) -> dict[str, Any]:
    user, generated = users.create_user(req.db, req.body, req.actor)
    return {**user, "generatedPassword": generated} if generated else user


@route(bp, "/api/users/{id}", summary="Get a user", role="admin", response=UserAdminOut)
def get_user(req: ApiRequest, id: str) -> dict[str, Any]:
    return user_admin.get_user(req.db, id, signing_key(req.settings))


@route(
    bp,
    "/api/users/{id}",
    "PATCH",
    summary="Change a user's name, role or active flag",
    role="admin",
    body=UserUpdate,
    response=UserOut,
)
def update_user(req: ApiRequest, id: str) -> dict[str, Any]:
    return users.update_user(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/users/{id}/reset-password",
    "POST",
    summary="Generate a new password for a user",
    role="admin",
    response=UserWithPasswordOut,
    status=200,
)
def reset_password(req: ApiRequest, id: str) -> dict[str, Any]:
    user, password = users.reset_password(req.db, id, req.actor)
    return {**user, "generatedPassword": password}


@route(
    bp,
    "/api/users/{id}/unlock",
    "POST",
    summary="Lift a lockout after failed logins",
    role="admin",
    response=UserAdminOut,
    status=200,
)
def unlock_user(req: ApiRequest, id: str) -> dict[str, Any]:
    return user_admin.unlock_user(req.db, id, req.actor, signing_key(req.settings))
