"""The benchmarked routes: how the app is called, the floor it is compared with, and the check
that both answered with the same data."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bson import ObjectId

from bench import floors
from bench.floors import Db, Doc, Shape, shape_of
from bench.seed import World

BENCH_EMAIL = "bench@example.org"
LIST_PAGE = 50
KANBAN_CARDS = 200  # the route's default cards per column


@dataclass
class Route:
    label: str
    ours: Callable[[], Any]
    """Calls the app; returns the test client's response (status_code, headers, body)."""
    floor: Callable[[], Any]
    check: Callable[[Any, Any], str | None]
    """``(last response, last floor answer)`` → None when the data agree, else what differs."""


class InProcessApi:
    """The Chalice app through its test client, as an admin signed in through the login route."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.headers: dict[str, str] = {"Accept": "application/json"}

    def login(self, database: Db) -> tuple[str, ObjectId]:
        """Create the bench admin and sign in; the access token and its session id."""
        from chalicelib.models.users import UserCreate
        from chalicelib.services import users
        from chalicelib.services.actor import SYSTEM_ACTOR

        payload = json.dumps({"email": BENCH_EMAIL, "name": "Bench", "role": "admin"})
        user, password = users.create_user(
            database, UserCreate.model_validate_json(payload), SYSTEM_ACTOR
        )
        credentials = {"email": BENCH_EMAIL, "password": password}
        response = self.send("POST", "/api/auth/login", credentials)
        if response.status_code != 200:
            raise RuntimeError(f"bench login failed: {response.status_code} {response.body!r}")
        token = str(json.loads(response.body)["accessToken"])
        self.headers["Authorization"] = f"Bearer {token}"
        session = database.sessions.find_one(
            {"userId": {"$in": [user["_id"], ObjectId(str(user["_id"]))]}}, sort=[("_id", -1)]
        )
        if session is None:
            raise RuntimeError("the bench session is not in the sessions collection")
        return token, session["_id"]

    def get(self, path: str) -> Any:
        return self.client.http.get(path, headers=self.headers)

    def send(self, method: str, path: str, body: Doc, headers: dict[str, str] | None = None) -> Any:
        sent = {**self.headers, "Content-Type": "application/json", **(headers or {})}
        call = getattr(self.client.http, method.lower())
        return call(path, body=json.dumps(body).encode(), headers=sent)


def header(response: Any, name: str) -> str | None:
    for key, value in (response.headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def answer(response: Any) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.body[:300]!r}")
    return json.loads(response.body)


# --- checks ---------------------------------------------------------------------------------


def _differs(what: str, ours: Any, floor: Any) -> str | None:
    return None if ours == floor else f"{what} differ: ours {ours!r:.80} / floor {floor!r:.80}"


def check_teacher(response: Any, floor: Doc | None) -> str | None:
    if floor is None:
        return "floor found no teacher"
    ours = answer(response)
    mine = {"_id": str(floor["_id"]), "__v": floor.get("__v")}
    for name in ("school", "project"):
        ref = floor.get(name)
        mine[name] = str(ref.get("name")) if isinstance(ref, dict) else None
    theirs = {"_id": ours.get("_id"), "__v": ours.get("__v")}
    for name in ("school", "project"):
        ref = ours.get(name)
        theirs[name] = str(ref.get("name")) if isinstance(ref, dict) else None
    return _differs("teacher", theirs, mine)


def check_list(response: Any, floor: floors.ListAnswer) -> str | None:
    ids = [item["_id"] for item in answer(response)]
    problem = _differs("ids", ids, floor.ids)
    total = header(response, "X-Total-Count")
    if problem is None and floor.total is not None and total is not None:
        problem = _differs("totals", int(total), floor.total)
    return problem


def check_dashboard(response: Any, floor: floors.DashboardAnswer) -> str | None:
    ours = answer(response)
    problems: list[str | None] = [
        _differs("kpi", ours["kpi"], floor.kpi),
        _differs("candidatesTotal", ours["candidatesTotal"], floor.kpi["inRecruitment"]),
        _differs("candidates", [c["_id"] for c in ours["candidates"]], floor.candidates),
        _differs("expiryCounts", ours["expiryCounts"], floor.expiry_counts),
        _differs(
            "expiry items",
            {k: [i["_id"] for i in v] for k, v in ours["expiry"].items()},
            floor.expiry,
        ),
    ]
    for name, entries in ours["charts"].items():
        chart = {e["name"]: e["value"] for e in entries if e["value"]}
        mine = {k: v for k, v in floor.charts.get(name, {}).items() if v}
        problems.append(_differs(f"chart {name}", chart, mine))
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


def check_kanban(response: Any, floor: list[Doc]) -> str | None:
    def columns(rows: list[Doc], cards: str) -> dict[str, tuple[int, list[str]]]:
        return {str(r["_id"]): (int(r["count"]), [str(c["_id"]) for c in r[cards]]) for r in rows}

    return _differs("columns", columns(answer(response), "teachers"), columns(floor, "cards"))


def check_written(response: Any, floor: Doc) -> str | None:
    answer(response)
    return None if floor.get("_id") is not None else "the floor wrote nothing"


# --- the routes -----------------------------------------------------------------------------


def _teacher_route(api: InProcessApi, db: Db, teacher_id: str) -> Route:
    path = f"/api/teachers/{teacher_id}"
    shape = shape_of([answer(api.get(path))])
    return Route(
        "GET teacher by id",
        lambda: api.get(path),
        lambda: floors.get_teacher(db, teacher_id, shape),
        check_teacher,
    )


def _list_route(api: InProcessApi, db: Db, label: str, query: dict[str, str]) -> Route:
    path = "/api/teachers?" + urlencode(query)
    probe = api.get(path)
    items = answer(probe)
    shape = shape_of(items)
    # A total the page cannot tell by itself costs the floor a count, like the route.
    counted = header(probe, "X-Total-Count") is not None and len(items) >= int(query["limit"])
    return Route(
        label,
        lambda: api.get(path),
        lambda: floors.list_page(db, query, shape, counted=counted),
        check_list,
    )


def _dashboard_route(api: InProcessApi, db: Db, label: str, query: dict[str, str]) -> Route:
    from chalicelib.services.common import utcnow

    path = "/api/stats/dashboard" + ("?" + urlencode(query) if query else "")
    candidates = answer(api.get(path))["candidates"]
    shape = shape_of(candidates, references=())
    return Route(
        label,
        lambda: api.get(path),
        lambda: floors.dashboard(db, query, utcnow(), shape),
        check_dashboard,
    )


def _kanban_route(api: InProcessApi, db: Db) -> Route:
    path = "/api/pipeline"
    cards = [card for column in answer(api.get(path)) for card in column["teachers"]]
    shape = shape_of(cards, references=())
    return Route(
        f"kanban ({KANBAN_CARDS} cards/column)",
        lambda: api.get(path),
        lambda: floors.kanban(db, None, KANBAN_CARDS, shape),
        check_kanban,
    )


def _save_route(api: InProcessApi, db: Db, teacher_id: str) -> Route:
    """``PUT`` of the body a GET returned with one field changed, ``If-Match`` its version."""
    path = f"/api/teachers/{teacher_id}"
    loaded = answer(api.get(path))
    shape = shape_of([loaded])
    version = {"v": int(loaded["__v"])}
    counter = itertools.count()

    def edited() -> Doc:
        body: Doc = json.loads(json.dumps(loaded))
        body.setdefault("education", {})["major"] = f"Major {next(counter)}"
        return body

    def ours() -> Any:
        response = api.send("PUT", path, edited(), {"If-Match": f'"{version["v"]}"'})
        if response.status_code == 200:
            version["v"] = int(json.loads(response.body)["__v"])
        return response

    def floor() -> Doc:
        after = floors.save_teacher(db, teacher_id, edited(), version["v"], BENCH_EMAIL, shape)
        version["v"] = int(after["__v"])
        return after

    return Route("form save (PUT, 1 field changed)", ours, floor, check_written)


def _create_route(api: InProcessApi, db: Db, world: World, shape: Shape) -> Route:
    counter = itertools.count()

    def body(side: str) -> Doc:
        i = next(counter)
        return {
            "firstName": "Bench",
            "lastName": f"Created{i}",
            "email": f"bench.{side}.{i}@example.org",
            "project": str(world.project_ids[0]),
            "school": str(world.school_ids[0]),
            "pipelineStage": world.stage_ids[0],
            "personalInfo": {
                "nationality": {"english": "Canada", "chinese": "加拿大"},
                "gender": "Female",
                "hiringStatus": "Newly Hired",
                "phone": "0912345678",
            },
            "passportDetails": {"number": "P1234567", "expiryDate": "2027-01-01T00:00:00.000Z"},
            "education": {"degree": "Bachelor", "major": "English"},
            "contractDetails": {"salary": 60000, "senioritySalary": "2 Years"},
        }

    return Route(
        "create (POST)",
        lambda: api.send("POST", "/api/teachers", body("ours")),
        lambda: floors.create_teacher(db, body("floor"), BENCH_EMAIL, shape),
        check_written,
    )


def pick_teacher(db: Db, n: int) -> str:
    """A live seeded teacher from the middle of the collection."""
    middle = db.teachers.find_one(floors.LIVE, {"_id": 1}, skip=n // 2, sort=[("_id", 1)])
    if middle is None:
        raise RuntimeError("no live teacher to read")
    return str(middle["_id"])


def build(api: InProcessApi, db: Db, world: World, n: int) -> list[tuple[str, Callable[[], Route]]]:
    """Every route as ``(label, make)``; ``make`` probes the route for its shape. Reads first
    (created teachers come first in the default order)."""
    teacher_id = pick_teacher(db, n)
    deep = max(0, int(n * 0.9) // LIST_PAGE * LIST_PAGE)
    project = str(world.project_ids[0])
    page = {"limit": str(LIST_PAGE)}
    first = f"list first page ({LIST_PAGE})"
    deep_label = f"list deep page (offset {deep:,})"
    search = {**page, "nationality": "Canada", "search": "smith"}
    searched, unfiltered, filtered = (
        "list filtered + search",
        "dashboard, no filter",
        "dashboard, 3 filters",
    )
    filters = {"projectId": project, "gender": "Female", "salaryRange": "60000-70000"}

    def teacher_shape() -> Shape:
        return shape_of([answer(api.get(f"/api/teachers/{teacher_id}"))])

    return [
        ("GET teacher by id", lambda: _teacher_route(api, db, teacher_id)),
        (first, lambda: _list_route(api, db, first, page)),
        (deep_label, lambda: _list_route(api, db, deep_label, {**page, "offset": str(deep)})),
        (searched, lambda: _list_route(api, db, searched, search)),
        (unfiltered, lambda: _dashboard_route(api, db, unfiltered, {})),
        (filtered, lambda: _dashboard_route(api, db, filtered, filters)),
        (f"kanban ({KANBAN_CARDS} cards/column)", lambda: _kanban_route(api, db)),
        ("form save (PUT, 1 field changed)", lambda: _save_route(api, db, teacher_id)),
        ("create (POST)", lambda: _create_route(api, db, world, teacher_shape())),
    ]
