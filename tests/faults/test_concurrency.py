"""Parallel clients against a real API process: every request gets an answer that is not a 5xx,
and no interleaving leaves duplicate or missing positions (kanban, stages, boxes, ad-hoc)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from bson import ObjectId

from tests.support.apiserver import HttpApi
from tests.support.factories import make_teacher
from tests.support.http import Result

REORDER = "/api/teachers/pipeline/reorder"
SETTLED = {200, 409}  # done, or "another change won; try again"


def run_together(calls: list[Callable[[], Result]]) -> list[Result]:
    """Start every call at the same moment (a barrier), each on its own thread."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Result]) -> Result:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def column_positions(db: Any) -> dict[str, list[Any]]:
    """Live teachers' positions per kanban column (``uncategorized``: no live stage)."""
    live = {str(s["_id"]) for s in db.stages.find({"isDeleted": {"$ne": True}})}
    columns: dict[str, list[Any]] = {}
    for teacher in db.teachers.find({"isDeleted": {"$ne": True}}):
        stage = teacher.get("pipelineStage")
        column = stage if stage in live else "uncategorized"
        columns.setdefault(column, []).append(teacher.get("pipelineOrder"))
    return columns


def assert_contiguous(db: Any) -> None:
    for column, orders in column_positions(db).items():
        assert sorted(orders) == list(range(len(orders))), (column, sorted(orders))


def column_order(db: Any, stage: str) -> list[str]:
    found = db.teachers.find({"pipelineStage": stage, "isDeleted": {"$ne": True}})
    return [str(t["_id"]) for t in found.sort([("pipelineOrder", 1)])]


def new_stage(api: HttpApi, title: str) -> str:
    created = api.post("/api/stages", {"title": title})
    assert created.status == 201, created.body
    return str(created.body["_id"])


def test_parallel_reorders_of_one_stage_settle_on_one_of_them(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    api = http_as("editor")
    admin = http_as("admin")
    stage = new_stage(admin, "Interview")
    ids = [str(make_teacher(db, pipelineStage=stage, pipelineOrder=i)["_id"]) for i in range(12)]
    rng = random.Random(7)
    orders = [rng.sample(ids, len(ids)) for _ in range(10)]
    results = run_together(
        [partial(api.put, REORDER, {"stage": stage, "teacherIds": o}) for o in orders]
    )
    statuses = [r.status for r in results]
    assert set(statuses) <= SETTLED, [r.body for r in results]
    assert statuses.count(200) >= 1
    final = column_order(db, stage)
    assert final in [o for o, r in zip(orders, results, strict=True) if r.status == 200]
    assert_contiguous(db)


def test_parallel_drags_to_the_end_of_one_column_keep_positions_unique(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    """Ten users each drag a different card to the end of the same column, from the same view."""
    api = http_as("editor")
    stage = new_stage(http_as("admin"), "Offer")
    column = [str(make_teacher(db, pipelineStage=stage, pipelineOrder=i)["_id"]) for i in range(5)]
    dragged = [str(make_teacher(db, pipelineOrder=i)["_id"]) for i in range(10)]
    results = run_together(
        [partial(api.put, REORDER, {"stage": stage, "teacherIds": [*column, d]}) for d in dragged]
    )
    assert {r.status for r in results} <= SETTLED, [r.body for r in results]
    arrived = {d for d, r in zip(dragged, results, strict=True) if r.status == 200}
    final = column_order(db, stage)
    assert set(final) == set(column) | arrived
    assert_contiguous(db)
    moves = db.auditlog.count_documents({"action": "stage_move"})
    assert moves == len(arrived), "one audit entry per teacher that really moved"


def test_interleaved_reorders_moves_creates_and_deletes_keep_every_column_contiguous(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    api = http_as("editor")
    admin = http_as("admin")
    stages = [new_stage(admin, f"Stage {i}") for i in range(3)]
    columns = [*stages, "uncategorized"]
    teachers = [
        str(make_teacher(db, pipelineStage=stages[i % 3], pipelineOrder=i // 3)["_id"])
        for i in range(15)
    ]
    pool_lock = threading.Lock()
    answers: list[tuple[str, int]] = []

    def worker(seed: int) -> Result:
        rng = random.Random(seed)
        last = Result(200, {}, None)
        for step in range(8):
            with pool_lock:
                known = list(teachers)
            kind = rng.choice(["reorder", "move", "create", "delete", "restore"])
            if kind == "reorder":
                picked = rng.sample(known, rng.randint(1, 4))
                body = {"stage": rng.choice(columns), "teacherIds": picked}
                last = api.put(REORDER, body)
            elif kind == "move":
                target = rng.choice(columns)
                last = api.put(f"/api/teachers/{rng.choice(known)}", {"pipelineStage": target})
            elif kind == "create":
                body = {
                    "firstName": f"W{seed}",
                    "lastName": f"S{step}",
                    "email": f"w{seed}-{step}@example.org",
                    "pipelineStage": rng.choice(columns),
                }
                last = api.post("/api/teachers", body)
                if last.status == 201:
                    with pool_lock:
                        teachers.append(str(last.body["_id"]))
            elif kind == "delete":
                last = api.delete(f"/api/teachers/{rng.choice(known)}")
            else:
                last = api.put(f"/api/teachers/{rng.choice(known)}/restore")
            answers.append((kind, last.status))
        return last

    run_together([partial(worker, s) for s in range(8)])
    # 400/404: a teacher picked by one worker was deleted (or restored) by another meanwhile.
    allowed = {200, 201, 400, 404, 409, 412}
    assert {status for _, status in answers} <= allowed, answers
    assert sum(status in (200, 201) for _, status in answers) > len(answers) // 2, answers
    assert_contiguous(db)


def test_parallel_stage_reorders_never_mix(http_as: Callable[[str], HttpApi], db: Any) -> None:
    admin = http_as("admin")
    ids = [new_stage(admin, f"S{i}") for i in range(6)]
    rng = random.Random(3)
    permutations = [rng.sample(ids, len(ids)) for _ in range(8)]
    bodies = [{"stages": [{"_id": s, "order": i} for i, s in enumerate(p)]} for p in permutations]
    results = run_together([partial(admin.put, "/api/stages/reorder", b) for b in bodies])
    assert {r.status for r in results} <= SETTLED, [r.body for r in results]
    stored = list(db.stages.find({"isDeleted": {"$ne": True}}).sort([("order", 1)]))
    assert [s["order"] for s in stored] == list(range(6))
    final = [str(s["_id"]) for s in stored]
    assert final in [p for p, r in zip(permutations, results, strict=True) if r.status == 200]


def test_parallel_stage_creates_get_distinct_orders(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    admin = http_as("admin")
    results = run_together(
        [partial(admin.post, "/api/stages", {"title": f"New {i}"}) for i in range(8)]
    )
    assert {r.status for r in results} <= {201, 409}, [r.body for r in results]
    orders = [s["order"] for s in db.stages.find({"isDeleted": {"$ne": True}})]
    assert sorted(orders) == list(range(len(orders)))


def test_parallel_box_reorders_and_creates_keep_box_orders_contiguous(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    api = http_as("editor")
    teacher = make_teacher(db)
    base = f"/api/teachers/{teacher['_id']}/boxes"
    for name in ("Visa", "Tax", "School", "Health"):
        assert api.post(base, {"name": name}).status == 201
    boxes = [str(b["_id"]) for b in db.teachers.find_one({"_id": teacher["_id"]})["documentBoxes"]]
    rng = random.Random(5)
    orders = [rng.sample(boxes, len(boxes)) for _ in range(6)]

    def reorder(order: list[str]) -> Callable[[], Result]:
        return lambda: api.put(f"{base}/reorder", {"boxes": order})

    def create(name: str) -> Callable[[], Result]:
        return lambda: api.post(base, {"name": name})

    calls = [reorder(o) for o in orders] + [create(f"Extra {i}") for i in range(4)]
    results = run_together(calls)
    assert {r.status for r in results} <= {200, 201, 409}, [r.body for r in results]
    stored = db.teachers.find_one({"_id": teacher["_id"]})["documentBoxes"]
    created = sum(r.status == 201 for r in results)
    assert len(stored) == len(boxes) + created
    assert sorted(b["order"] for b in stored) == list(range(len(stored)))
    assert len({b["_id"] for b in stored}) == len(stored)


def test_parallel_adhoc_reorders_never_drop_or_duplicate_a_document(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    api = http_as("editor")
    box = ObjectId()
    docs = [
        {"_id": ObjectId(), "name": f"doc{i}", "filePath": f"teachers/x/adhoc/{i}", "boxId": None}
        for i in range(6)
    ]
    teacher = make_teacher(
        db, documentBoxes=[{"_id": box, "name": "Visa", "order": 0}], otherDocuments=docs
    )
    ids = [str(d["_id"]) for d in docs]
    rng = random.Random(11)
    bodies = [
        {
            "documents": [
                {"_id": i, "boxId": str(box) if rng.random() < 0.5 else None}
                for i in rng.sample(ids, len(ids))
            ]
        }
        for _ in range(8)
    ]
    path = f"/api/teachers/{teacher['_id']}/documents/adhoc/reorder"
    results = run_together([partial(api.put, path, b) for b in bodies])
    assert {r.status for r in results} <= SETTLED, [r.body for r in results]
    stored = db.teachers.find_one({"_id": teacher["_id"]})["otherDocuments"]
    final = [{"_id": str(d["_id"]), "boxId": d.get("boxId")} for d in stored]
    assert sorted(d["_id"] for d in final) == sorted(ids)
    assert final in [
        b["documents"] for b, r in zip(bodies, results, strict=True) if r.status == 200
    ]


def test_parallel_edits_of_different_fields_of_one_teacher_all_land(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    """Form saves without If-Match merge field by field: eight editors saving different fields
    of one teacher at once each get 200, and every field is stored (no save writes over another
    with the version it read)."""
    api = http_as("editor")
    teacher = make_teacher(db)
    url = f"/api/teachers/{teacher['_id']}"
    edits: list[dict[str, Any]] = [
        {"personalInfo": {"phone": "0912-000-001"}},
        {"personalInfo": {"chineseName": "王小明"}},
        {"emergencyContact": {"name": "Ann"}},
        {"emergencyContact": {"relationship": "sister"}},
        {"passportDetails": {"number": "P1234567"}},
        {"passportDetails": {"issuingCountry": "Canada"}},
        {"remarks": "interviewed"},
        {"lastName": "Changed"},
    ]
    results = run_together([partial(api.put, url, edit) for edit in edits])
    assert [r.status for r in results] == [200] * len(edits), [r.body for r in results]
    stored = db.teachers.find_one({"_id": teacher["_id"]})
    for edit in edits:
        for key, value in edit.items():
            if isinstance(value, dict):
                for inner, wanted in value.items():
                    assert stored[key][inner] == wanted, (key, inner)
            else:
                assert stored[key] == value, key
    assert stored["__v"] == teacher.get("__v", 0) + len(edits), "each save on its own version"
    assert db.auditlog.count_documents({"action": "update"}) == len(edits)


def test_parallel_saves_with_one_if_match_let_exactly_one_through(
    http_as: Callable[[str], HttpApi], db: Any
) -> None:
    api = http_as("editor")
    teacher = make_teacher(db)
    url = f"/api/teachers/{teacher['_id']}"
    version = str(teacher.get("__v", 0))
    results = run_together(
        [
            partial(api.put, url, {"remarks": f"version {i}"}, headers={"If-Match": version})
            for i in range(6)
        ]
    )
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [412] * 5, [r.body for r in results]
    stored = db.teachers.find_one({"_id": teacher["_id"]})
    winner = next(r for r in results if r.status == 200)
    assert stored["remarks"] == winner.body["remarks"]
    assert stored["__v"] == teacher.get("__v", 0) + 1
    assert db.auditlog.count_documents({"action": "update"}) == 1
