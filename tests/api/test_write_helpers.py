"""services/writes.py against the real server: what ``apply_update`` computes is what MongoDB
stores, and a write with its audit entry behaves the same in one ``bulkWrite`` or, for a server
older than MongoDB 8.0, in two commands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from chalicelib.services import common, writes

STORED: dict[str, Any] = {
    "name": "Ann",
    "personalInfo": {"phone": "1", "address": {"city": "Taipei"}},
    "contractDetails": None,
    "stageHistory": [{"to": "a"}],
    "__v": 3,
}
UPDATES: list[dict[str, Any]] = [
    {"$set": {"name": "Bo", "personalInfo.address.city": "Tainan"}, "$inc": {"__v": 1}},
    {"$set": {"passportDetails.number": "X1"}, "$push": {"stageHistory": {"to": "b"}}},
    {"$set": {"contractDetails": {"salary": 60000}}, "$unset": {"personalInfo.phone": ""}},
    {"$inc": {"missing": 2}, "$push": {"newList": 1}},
    {"$set": {"at": datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)}},  # ms, as utcnow_ms
]


@pytest.mark.parametrize("update", UPDATES)
def test_apply_update_computes_what_mongodb_stores(db: Any, update: dict[str, Any]) -> None:
    oid = db.scratch.insert_one(dict(STORED)).inserted_id
    before = db.scratch.find_one({"_id": oid})
    db.scratch.update_one({"_id": oid}, update)
    assert writes.apply_update(before, update) == db.scratch.find_one({"_id": oid})
    assert before == {**STORED, "_id": oid}, "the input is left unchanged"


@pytest.fixture(params=["bulkWrite", "separate commands"])
def mode(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "separate commands":
        writes._server_has_bulk_write["known"] = False  # as after a MongoDB 7 server refused it
    yield str(request.param)
    writes._server_has_bulk_write.clear()


def run(db: Any, work: Any) -> Any:
    return common.in_transaction(db, work)


def test_update_with_entry_writes_both_or_reports_no_match(db: Any, mode: str) -> None:
    oid = db.teachers.insert_one({"n": 1, "__v": 0}).inserted_id
    matched = run(
        db,
        lambda s: writes.update_with_entry(
            db,
            "teachers",
            {"_id": oid, "__v": 0},
            {"$set": {"n": 2}, "$inc": {"__v": 1}},
            {"e": 1},
            s,
        ),
    )
    assert matched is True
    assert db.teachers.find_one({"_id": oid})["n"] == 2
    assert db.auditlog.count_documents({"e": 1}) == 1

    class Stale(Exception):
        pass

    def stale_write(session: Any) -> None:
        if not writes.update_with_entry(
            db, "teachers", {"_id": oid, "__v": 0}, {"$set": {"n": 3}}, {"e": 2}, session
        ):
            raise Stale

    with pytest.raises(Stale):
        run(db, stale_write)
    assert db.teachers.find_one({"_id": oid})["n"] == 2
    assert db.auditlog.count_documents({"e": 2}) == 0, "no entry without its write"


def test_insert_with_entry_reports_a_duplicate_key_as_such(db: Any, mode: str) -> None:
    oid = ObjectId()
    run(db, lambda s: writes.insert_with_entry(db, "teachers", {"_id": oid}, {"e": 1}, s))
    with pytest.raises(DuplicateKeyError):
        run(db, lambda s: writes.insert_with_entry(db, "teachers", {"_id": oid}, {"e": 2}, s))
    assert db.auditlog.count_documents({}) == 1
