"""Authentication routes: login, refresh, logout, me, password change.

Browsers ask for the refresh token as a cookie (``refreshCookie: true``): it is then set as
``HttpOnly; SameSite=Strict; Path=/api/auth`` (``Secure`` outside the local stage), left out of
the JSON body, read back by refresh and cleared by logout, so no script ever holds it. Other
clients keep the JSON body form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice.app import Blueprint, Request

from chalicelib.api.authorizer import client_address
from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.errors import FieldError, Unauthorized, ValidationFailed
from chalicelib.models.users import (
    LoginRequest,
    LogoutRequest,
    PasswordChange,
    RefreshRequest,
    TokenOut,
    UserOut,
)
from chalicelib.services import auth
from chalicelib.services.auth import IssuedTokens
from chalicelib.services.tokens import signing_key
from chalicelib.settings import Settings

bp = Blueprint(__name__)

REFRESH_COOKIE = "fetms_refresh"
COOKIE_PATH = "/api/auth"


def refresh_cookie(value: str, expires: datetime | None, settings: Settings) -> str:
    """The ``Set-Cookie`` value carrying (or, with ``expires=None``, clearing) a refresh token."""
    parts = [f"{REFRESH_COOKIE}={value}", f"Path={COOKIE_PATH}", "HttpOnly", "SameSite=Strict"]
    if expires is None:
        parts.append("Max-Age=0")
    else:
        remaining = int((expires - datetime.now(UTC)).total_seconds())
        parts.append(f"Max-Age={max(remaining, 0)}")
    if settings.fetms_stage != "local":
        parts.append("Secure")
    return "; ".join(parts)


def cookie_token(request: Request) -> str | None:
    header = request.headers.get("cookie")
    if not isinstance(header, str):
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(REFRESH_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def token_reply(tokens: IssuedTokens, as_cookie: bool, settings: Settings) -> Reply:
    body = tokens.as_dict()
    if not as_cookie:
        return Reply(body=body)
    body["refreshToken"] = None
    cookie = refresh_cookie(tokens.refresh_token, tokens.refresh_expires, settings)
    return Reply(body=body, headers={"Set-Cookie": cookie})


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
def login(req: ApiRequest) -> Reply:
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
    return token_reply(tokens, req.body.refreshCookie, settings)


@route(
    bp,
    "/api/auth/refresh",
    "POST",
    summary="Exchange a refresh token (body or HttpOnly cookie) for new tokens",
    role=None,
    body=RefreshRequest,
    response=TokenOut,
    status=200,
)
def refresh(req: ApiRequest) -> Reply:
    settings = req.settings
    as_cookie = req.body.refreshCookie
    if req.body.refreshToken is None and not as_cookie:
        raise ValidationFailed(
            detail="Send refreshToken, or refreshCookie: true to use the refresh cookie",
            errors=[FieldError("refreshToken", "required unless refreshCookie is true")],
        )
    token = req.body.refreshToken or cookie_token(req.raw)
    if token is None:
        raise Unauthorized(
            detail="No refresh token: send refreshToken or log in with refreshCookie",
            headers={"Set-Cookie": refresh_cookie("", None, settings)},
        )
    try:
        tokens = auth.refresh(
            req.db,
            token,
            address=client_address(req.raw),
            settings=settings,
            key=signing_key(settings),
            correlation_id=req.actor.correlation_id,
        )
    except Unauthorized as exc:
        if as_cookie:
            exc.headers = {**exc.headers, "Set-Cookie": refresh_cookie("", None, settings)}
        raise
    return token_reply(tokens, as_cookie, settings)


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
    return Reply(
        body=None, status=204, headers={"Set-Cookie": refresh_cookie("", None, req.settings)}
    )


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
        req.db,
        req.actor,
        req.body.currentPassword,
        req.body.newPassword,
        req.settings,
        signing_key(req.settings),
    )
    return Reply(body=None, status=204)
