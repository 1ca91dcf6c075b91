"""Domain errors and their one mapping to ``application/problem+json`` responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://fetms.example/problems/"
# An error never echoes more than this of what the client sent.
MAX_ERRORS = 50
MAX_DETAIL = 500
MAX_FIELD = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldError:
    """One offending input field: dotted location and a human message."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class DomainError(Exception):
    """Base of every error a service may raise on purpose; carries its HTTP meaning."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem+json body; bounded in size whatever the input that caused it."""
        detail = _clip(self.detail, MAX_DETAIL)
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": detail,
            "message": detail,
        }
        if self.errors:
            body["errors"] = [
                {"field": _clip(e.field, MAX_FIELD), "message": _clip(e.message, MAX_DETAIL)}
                for e in self.errors[:MAX_ERRORS]
            ]
            if len(self.errors) > MAX_ERRORS:
                body["errorsOmitted"] = len(self.errors) - MAX_ERRORS
        if instance:
            body["instance"] = _clip(instance, MAX_FIELD)
        return body


@dataclass
class ValidationFailed(DomainError):
    status: int = 400
    title: str = "Invalid input"
    slug: str = "validation"


@dataclass
class Unauthorized(DomainError):
    status: int = 401
    title: str = "Authentication required"
    slug: str = "unauthorized"


@dataclass
class Forbidden(DomainError):
    status: int = 403
    title: str = "Forbidden"
    slug: str = "forbidden"


@dataclass
class NotFound(DomainError):
    status: int = 404
    title: str = "Not found"
    slug: str = "not-found"


@dataclass
class Conflict(DomainError):
    status: int = 409
    title: str = "Conflict"
    slug: str = "conflict"


@dataclass
class PreconditionFailed(DomainError):
    status: int = 412
    title: str = "Precondition failed"
    slug: str = "precondition-failed"


@dataclass
class PayloadTooLarge(DomainError):
    status: int = 413
    title: str = "Payload too large"
    slug: str = "payload-too-large"


@dataclass
class UnsupportedMediaType(DomainError):
    status: int = 415
    title: str = "Unsupported media type"
    slug: str = "unsupported-media-type"


@dataclass
class TooManyRequests(DomainError):
    status: int = 429
    title: str = "Too many requests"
    slug: str = "too-many-requests"


@dataclass
class ServiceUnavailable(DomainError):
    status: int = 503
    title: str = "Service unavailable"
    slug: str = "service-unavailable"


DEPENDENCY_RETRY_AFTER_SECONDS = 5


def dependency_unavailable(
    detail: str = "The database is unreachable; try again shortly",
) -> ServiceUnavailable:
    """The 503 a route answers while a dependency (by default MongoDB) cannot be reached."""
    return ServiceUnavailable(
        detail=detail, headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER_SECONDS)}
    )


def internal_error_problem(correlation_id: str | None) -> dict[str, Any]:
    """The body of an unexpected failure: no trace, no driver text, only a reference."""
    detail = "An unexpected error occurred. Quote the correlation id to the operators."
    body = DomainError(detail=detail).problem()
    if correlation_id:
        body["correlationId"] = correlation_id
    return body
