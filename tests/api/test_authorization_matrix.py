"""Every route of the OpenAPI document against no token, bad tokens and each role."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
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


# --- Fields: least data for least roles (issue 16) --------------------------------------------

SENTINELS = {
    "personalInfo.dob": ("1984-07-19", datetime(1984, 7, 19, tzinfo=UTC)),
    "personalInfo.phone": ("+886-912-000-731", "+886-912-000-731"),
    "personalInfo.address.taiwan": ("No. 7 Lane 77 Xinyi", "No. 7 Lane 77 Xinyi"),
    "personalInfo.address.home": ("42 Wallaby Way Sydney", "42 Wallaby Way Sydney"),
    "emergencyContact.phone": ("+61-400-555-019", "+61-400-555-019"),
    "passportDetails.number": ("PZ8841207", "PZ8841207"),
    "workPermitDetails.permitNumber": ("WP-5523981", "WP-5523981"),
    "documents.passport.number": ("DOCPZ8841207", "DOCPZ8841207"),
    "contractDetails.salary": ("67321", 67321),
    "contractDetails.estimatedPromotedSalary": ("71943", 71943),
}
VISIBLE = {"firstName": "Quintessa", "personalInfo.nationality.english": "Canadian"}


def _nested(paths: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for path, value in paths.items():
        *parents, last = path.split(".")
        holder = doc
        for part in parents:
            holder = holder.setdefault(part, {})
        holder[last] = value
    return doc


@pytest.fixture
def sensitive_teacher(db: Any) -> dict[str, Any]:
    from tests.support.factories import make_school, make_teacher

    school = make_school(db)
    stored = _nested({path: value for path, (_, value) in SENTINELS.items()})
    stored["personalInfo"]["nationality"] = {"english": "Canadian"}
    stored["emergencyContact"]["name"] = "Kin Person"
    teacher = make_teacher(db, firstName="Quintessa", school=school["_id"], **stored)
    return {"teacher": teacher, "school": school}


def _field_path(spec: RouteSpec, teacher: dict[str, Any], school: dict[str, Any]) -> str:
    tid, sid = str(teacher["_id"]), str(school["_id"])

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id":
            return sid if spec.path.startswith("/api/schools/") else tid
        return str(ObjectId())

    return re.sub(r"{(\w+)}", fill, spec.path)


VIEWER_READS = [
    s for s in PROTECTED if s.method == "GET" and ROLE_RANK[str(s.role)] <= ROLE_RANK["viewer"]
]


@pytest.mark.parametrize("spec", VIEWER_READS, ids=spec_id)
def test_viewers_never_read_restricted_fields(
    api_as: Any, db: Any, sensitive_teacher: dict[str, Any], spec: RouteSpec
) -> None:
    """Every read route a viewer may call shows none of the restricted values."""
    path = _field_path(spec, sensitive_teacher["teacher"], sensitive_teacher["school"])
    result = api_as("viewer").get(path)
    text = result.body if isinstance(result.body, str) else json.dumps(result.body)
    for field, (shown, _) in SENTINELS.items():
        assert shown not in text, f"{spec_id(spec)} shows {field} to a viewer"


@pytest.mark.parametrize("role", ROLES)
def test_field_matrix_on_the_teacher(
    api_as: Any, sensitive_teacher: dict[str, Any], role: str
) -> None:
    tid = sensitive_teacher["teacher"]["_id"]
    body = api_as(role).get(f"/api/teachers/{tid}").body
    listed = api_as(role).get("/api/teachers").body[0]
    for doc in (body, listed):
        for path, (shown, _) in SENTINELS.items():
            value = _at(doc, path)
            if role == "viewer":
                assert value == "***", (role, path, value)
            else:
                assert shown in str(value), (role, path, value)
        for path, shown in VISIBLE.items():
            assert _at(doc, path) == shown, (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_field_matrix_on_the_export(
    api_as: Any, sensitive_teacher: dict[str, Any], role: str
) -> None:
    import csv
    import io

    text = api_as(role).get("/api/teachers/export?format=csv").body
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    exported = [path for path in SENTINELS if path in row]
    assert len(exported) >= 8
    for path in exported:
        shown = SENTINELS[path][0]
        if role == "viewer":
            assert row[path] == "***", (role, path)
        else:
            assert shown in row[path], (role, path, row[path])
    assert row["firstName"] == "Quintessa"


@pytest.mark.parametrize(
    "query", ["salaryRange=60000-70000", "sort=salary", "salaryRange=Unspecified"]
)
def test_viewers_cannot_select_or_sort_by_salary(api_as: Any, query: str) -> None:
    assert api_as("viewer").get(f"/api/teachers?{query}").status == 403
    assert api_as("viewer").get(f"/api/teachers/export?{query}").status == 403
    assert api_as("editor").get(f"/api/teachers?{query}").status == 200
    if query.startswith("salaryRange"):
        assert api_as("viewer").get(f"/api/stats/dashboard?{query}").status == 403


def _at(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc
