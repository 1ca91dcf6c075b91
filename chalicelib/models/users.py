"""Users, login and password models."""

from __future__ import annotations

from enum import StrEnum

from pydantic import EmailStr, Field

from chalicelib.models.base import CLOSED, InputModel, OutputModel, QueryModel, RequiredName
from chalicelib.models.common import StoredOut
from chalicelib.models.echo import Ignored, StoredEcho


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


ROLE_RANK = {Role.VIEWER.value: 1, Role.EDITOR.value: 2, Role.ADMIN.value: 3}


COOKIE_FLAG_DESCRIPTION = (
    "Browsers: deliver the refresh token as an HttpOnly cookie scoped to /api/auth instead of "
    "in the JSON body (which then has refreshToken: null)."
)


class LoginRequest(InputModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    refreshCookie: bool = Field(default=False, description=COOKIE_FLAG_DESCRIPTION)


class RefreshRequest(InputModel):
    refreshToken: str | None = Field(
        default=None,
        min_length=20,
        max_length=200,
        description="Omit (with refreshCookie: true) to use the refresh cookie.",
    )
    refreshCookie: bool = Field(default=False, description=COOKIE_FLAG_DESCRIPTION)


class LogoutRequest(InputModel):
    refreshToken: str | None = Field(default=None, max_length=200)


class PasswordChange(InputModel):
    currentPassword: str = Field(min_length=1, max_length=256)
    newPassword: str = Field(min_length=1, max_length=256)


class UserCreate(InputModel):
    email: EmailStr
    name: RequiredName
    role: Role
    password: str | None = Field(
        default=None, max_length=256, description="Omit to have a strong password generated."
    )


class UserUpdate(StoredEcho):
    """Name, role or active flag; the e-mail, login times and lockout echoed by clients are
    ignored (a lockout ends through POST /api/users/{id}/unlock)."""

    name: RequiredName | None = None
    role: Role | None = None
    active: bool | None = None
    email: Ignored = None
    lastLoginAt: Ignored = None
    lockedUntil: Ignored = None


class UserListQuery(QueryModel):
    includeInactive: bool = True
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class UserOut(StoredOut):
    model_config = CLOSED

    email: str
    name: str
    role: str
    active: bool = True
    lastLoginAt: str | None = None


class UserAdminOut(UserOut):
    """A user as administrators see it: also whether failed logins keep the account locked."""

    lockedUntil: str | None = Field(
        default=None,
        description="Set while the account is locked after failed logins "
        "(POST /api/users/{id}/unlock lifts it).",
    )


class UserWithPasswordOut(UserOut):
    generatedPassword: str | None = Field(
        default=None, description="Shown once when the server generated the password."
    )


class TokenOut(OutputModel):
    model_config = CLOSED

    accessToken: str
    tokenType: str = "Bearer"
    expiresAt: str
    refreshToken: str | None = Field(
        description="null when the refresh token was set as a cookie (refreshCookie)"
    )
    refreshExpiresAt: str
    user: UserOut
