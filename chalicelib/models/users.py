"""Users, login and password models."""

from __future__ import annotations

from enum import StrEnum

from pydantic import EmailStr, Field

from chalicelib.models.base import CLOSED, InputModel, OutputModel, QueryModel, RequiredName
from chalicelib.models.common import StoredOut


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


ROLE_RANK = {Role.VIEWER.value: 1, Role.EDITOR.value: 2, Role.ADMIN.value: 3}


class LoginRequest(InputModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(InputModel):
    refreshToken: str = Field(min_length=20, max_length=200)


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


class UserUpdate(InputModel):
    name: RequiredName | None = None
    role: Role | None = None
    active: bool | None = None


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


class UserWithPasswordOut(UserOut):
    generatedPassword: str | None = Field(
        default=None, description="Shown once when the server generated the password."
    )


class TokenOut(OutputModel):
    model_config = CLOSED

    accessToken: str
    tokenType: str = "Bearer"
    expiresAt: str
    refreshToken: str
    refreshExpiresAt: str
    user: UserOut
