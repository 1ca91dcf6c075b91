"""A 2xx means the data is durable: acknowledged writes survive ``kill -9`` of the database, and
a change never survives without its audit entry (nor an entry without its change)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo import MongoClient

from tests.support.apiserver import HttpApi, api_process
from tests.support.auth import bearer
from tests.support.processes import MongoProcess

DB_NAME = "fetms_durability"
WRITES = 60


@pytest.fixture
def crashable_mongo(tmp_path: Path) -> Iterator[MongoProcess]:
    mongo = MongoProcess(tmp_path / "mongo")
    mongo.start()
    try:
        yield mongo
    finally:
        mongo.stop()


def test_acknowledged_creates_survive_kill_9_with_their_audit_rows(
    services: dict[str, str], crashable_mongo: MongoProcess
) -> None:
    from chalicelib.db import ensure_indexes

    client: MongoClient[dict[str, Any]] = MongoClient(crashable_mongo.uri)
    database = client[DB_NAME]
    ensure_indexes(database)
    headers = bearer(database, "editor")
    env = {**services, "MONGO_URI": crashable_mongo.uri, "MONGO_DB": DB_NAME}
    acknowledged: list[str] = []
    with api_process(env) as base:
        api = HttpApi(base, headers)
        for i in range(WRITES):
            body = {"firstName": f"T{i}", "lastName": "Durable", "email": f"t{i}@example.org"}
            created = api.post("/api/teachers", body)
            assert created.status == 201, created.body
            acknowledged.append(created.body["_id"])
        crashable_mongo.kill9()
        client.close()
        crashable_mongo.start()
        client = MongoClient(crashable_mongo.uri)
        database = client[DB_NAME]
        stored = {str(t["_id"]) for t in database.teachers.find({}, {"_id": 1})}
        assert set(acknowledged) <= stored, f"lost {len(set(acknowledged) - stored)} of {WRITES}"
        audited = {
            e["entityId"]
            for e in database.auditlog.find({"entity": "teachers", "action": "create"})
        }
        assert stored == audited, "every stored teacher has its audit row and vice versa"
        # The running API recovers by itself once the database is back.
        again = api.get(f"/api/teachers/{acknowledged[-1]}")
        assert again.status == 200, again.body
    client.close()


def test_write_concern_is_majority_and_journaled(services: dict[str, str]) -> None:
    from chalicelib.db import get_client

    concern = get_client().write_concern.document
    assert concern == {"w": "majority", "j": True}
    assert ObjectId.is_valid(str(ObjectId()))
