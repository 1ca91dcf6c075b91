"""The signed-in user's own preferences (any role; nobody reads or changes another's)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.preferences import PreferencesOut, PreferencesUpdate
from chalicelib.services import preferences

bp = Blueprint(__name__)


@route(
    bp,
    "/api/auth/me/preferences",
    summary="Your preferences (language, theme, default project, list columns)",
    role="viewer",
    response=PreferencesOut,
)
def get_preferences(req: ApiRequest) -> dict[str, Any]:
    return preferences.get_preferences(req.db, req.actor)


@route(
    bp,
    "/api/auth/me/preferences",
    "PUT",
    summary="Change your preferences: sent fields change, null resets one, others stay",
    role="viewer",
    body=PreferencesUpdate,
    response=PreferencesOut,
)
def update_preferences(req: ApiRequest) -> dict[str, Any]:
    return preferences.update_preferences(req.db, req.actor, req.body)
