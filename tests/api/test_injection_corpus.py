"""Hostile bodies against every write route: 4xx, and nothing is written."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from bson import ObjectId

from app import app  # noqa: F401  (registers every route)
from chalicelib.api.routing import ROUTES, RouteSpec
from tests.support.http import Api

BOOKKEEPING = {"auditlog", "ratelimits", "sessions", "users", "loginthrottle"}

CORPUS: dict[str, str] = {
    "operator at top": json.dumps({"$where": "sleep(1000)"}),
    "operator in value": json.dumps(
        {"name": {"$ne": None}, "title": {"$gt": ""}, "email": {"$regex": ".*"}}
    ),
    "dotted key": json.dumps({"a.b": 1, "name.chinese": "x"}),
    "prototype pollution": json.dumps({"__proto__": {"isAdmin": True}}),
    "constructor pollution": json.dumps({"constructor": {"prototype": {"role": "admin"}}}),
    "huge number": '{"value": 1e400, "order": 1e400}',
    "huge integer": json.dumps({"value": 10**40, "order": 10**40}),
    "deep nesting": '{"a":' * 500 + "1" + "}" * 500,
    "null byte key": json.dumps({"na\u0000me": "x"}),
    "fullwidth dollar": json.dumps({"\uff04where": "1"}),
    "overlong strings": json.dumps({"name": "x" * 300_000, "title": "y" * 300_000}),
    "big array": json.dumps({"stages": [{"_id": "0" * 24, "order": 1}] * 20_000}),
    "not an object": json.dumps(["$where"]),
    "wrong types": json.dumps({"name": 1, "title": True, "email": [], "stages": "x"}),
}

WRITE_ROUTES = [s for s in ROUTES if s.body is not None and s.method in ("POST", "PUT", "PATCH")]


def snapshot(db: Any) -> dict[str, int]:
    return {
        name: db[name].count_documents({})
        for name in db.list_collection_names()
        if name not in BOOKKEEPING and not name.startswith("system.")
    }


def versions(db: Any) -> list[Any]:
    return [
        (name, doc.get("_id"), doc.get("__v"))
        for name in db.list_collection_names()
        if name not in BOOKKEEPING and not name.startswith("system.")
        for doc in db[name].find({}, {"__v": 1})
    ]


@pytest.mark.parametrize("spec", WRITE_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_corpus_is_rejected_without_writes(api: Api, db: Any, spec: RouteSpec) -> None:
    db.stages.insert_one({"title": "Existing", "order": 0, "__v": 0})
    db.projects.insert_one({"name": "P", "code": "P", "isActive": True, "__v": 0})
    before_counts, before_versions = snapshot(db), versions(db)
    path = re.sub(r"{\w+}", lambda _: str(ObjectId()), spec.path)
    for label, raw in CORPUS.items():
        result = api.call(spec.method, path, raw=raw)
        assert result.status in (400, 413), f"{label}: {result.status} {result.body}"
        assert result.header("Content-Type") == "application/problem+json", label
        assert "Traceback" not in json.dumps(result.body)
    assert snapshot(db) == before_counts
    assert versions(db) == before_versions
