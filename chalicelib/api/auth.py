"""Authentication routes: login, refresh, logout, me, password change."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.authorizer import client_address
from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.models.users import (
    LoginRequest,
    LogoutRequest,
    PasswordChange,
    RefreshRequest,
    TokenOut,
    UserOut,
)
from chalicelib.services import auth
from chalicelib.services.tokens import signing_key

bp = Blueprint(__name__)


@route(
    bp,
    "/api/auth/login",
    "POST",
    summary="Log in with e-mail and password",
    role=None,
    body=LoginRequest,
    response=TokenOut,
    status=200,
)
def login(req: ApiRequest) -> dict[str, Any]:
    settings = req.settings
    tokens = auth.login(
        req.db,
        req.body.email,
        req.body.password,
        address=client_address(req.raw),
        settings=settings,
        key=signing_key(settings),
        correlation_id=req.actor.correlation_id,
    )
    return tokens.as_dict()


@route(
    bp,
    "/api/auth/refresh",
    "POST",
    summary="Exchange a refresh token for new tokens",
    role=None,
    body=RefreshRequest,
    response=TokenOut,
    status=200,
)
def refresh(req: ApiRequest) -> dict[str, Any]:
    settings = req.settings
    tokens = auth.refresh(
        req.db,
        req.body.refreshToken,
        address=client_address(req.raw),
        settings=settings,
        key=signing_key(settings),
    )
    return tokens.as_dict()


@route(
    bp,
    "/api/auth/logout",
    "POST",
    summary="End the current session",
    role="viewer",
    body=LogoutRequest,
    status=204,
)
def logout(req: ApiRequest) -> Reply:
    auth.logout(req.db, req.actor, req.actor.session_id)
    return Reply(body=None, status=204)


@route(bp, "/api/auth/me", summary="The logged-in user", role="viewer", response=UserOut)
def me(req: ApiRequest) -> dict[str, Any]:
    return auth.me(req.db, req.actor)


@route(
    bp,
    "/api/auth/password",
    "POST",
    summary="Change your own password (ends all sessions)",
    role="viewer",
    body=PasswordChange,
    status=204,
)
def change_password(req: ApiRequest) -> Reply:
    auth.change_password(
        req.db, req.actor, req.body.currentPassword, req.body.newPassword, req.settings
    )
    return Reply(body=None, status=204)
