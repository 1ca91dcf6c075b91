"""Least data for least roles: what a viewer may not read of a teacher.

Viewers read teachers with document numbers, dates of birth, phone numbers, addresses and
salary masked (``***``: the value exists but is not shown); editors and admins read everything.
The API applies :func:`redact` to every JSON response of a caller below ``editor`` (in
``routing``, the one serialization point, so no route can forget it), the export applies
:func:`redact_row`, and :func:`check_filters` refuses the list/export/dashboard filters and
sorts that would reveal a masked value indirectly (salary range, sort by salary).
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import FieldError, Forbidden

MASK = "***"
FULL_ACCESS_ROLES = frozenset({"editor", "admin"})
# Paths inside a teacher document (also inside any object of a response that has them).
RESTRICTED_FIELDS: tuple[str, ...] = (
    "personalInfo.dob",
    "personalInfo.phone",
    "personalInfo.address.taiwan",
    "personalInfo.address.home",
    "emergencyContact.phone",
    "passportDetails.number",
    "workPermitDetails.permitNumber",
    "documents.passport.number",
    "documents.arc.number",
    "documents.contract.number",
    "documents.workPermit.number",
    "contractDetails.salary",
    "contractDetails.estimatedPromotedSalary",
)
# Query parameters (name → values) that would select or order teachers by a masked value.
RESTRICTED_QUERY: dict[str, frozenset[str] | None] = {
    "salaryRange": None,  # any value
    "sort": frozenset({"salary"}),
}


def sees_everything(role: str | None) -> bool:
    return role in FULL_ACCESS_ROLES


def _mask_object(node: dict[str, Any]) -> None:
    for path in RESTRICTED_FIELDS:
        *parents, last = path.split(".")
        holder: Any = node
        for part in parents:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and holder.get(last) not in (None, ""):
            holder[last] = MASK


def redact(payload: Any, role: str | None) -> Any:
    """``payload`` (JSON-ready) with every restricted value masked for roles below editor."""
    if sees_everything(role):
        return payload
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            _mask_object(node)
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return payload


def redact_row(columns: tuple[str, ...], row: list[Any], role: str | None) -> list[Any]:
    """An export row with the restricted columns masked (non-empty ones) for viewers."""
    if sees_everything(role):
        return row
    restricted = set(RESTRICTED_FIELDS)
    return [
        MASK if column in restricted and value not in (None, "") else value
        for column, value in zip(columns, row, strict=True)
    ]


def check_filters(query: Any, role: str | None) -> None:
    """403 for viewers asking to select or order teachers by a masked value."""
    if sees_everything(role):
        return
    for name, values in RESTRICTED_QUERY.items():
        value = getattr(query, name, None)
        if value is None or (values is not None and value not in values):
            continue
        raise Forbidden(
            detail=f"Filtering or sorting by '{name}={value}' needs the editor role",
            errors=[FieldError(name, "needs the editor role")],
        )
