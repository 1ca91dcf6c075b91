"""Who performs an action: passed from the API (authenticated user) or the CLI (operator)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    email: str
    role: str
    client_address: str | None = None
    correlation_id: str | None = None
    session_id: str | None = None


SYSTEM_ACTOR = Actor(user_id=None, email="system", role="admin")
