"""Core and ad-hoc documents: replace with history, delete (files kept), rename, move, reorder."""

from __future__ import annotations

import threading
from typing import Any

from bson import ObjectId

from chalicelib import storage
from chalicelib.settings import get_settings
from tests.support.auth import bearer
from tests.support.factories import make_teacher
from tests.support.files import JPEG, PDF, PNG, request_upload, upload_file
from tests.support.http import Api


def _exists(key: str) -> bool:
    return storage.head_object(storage.get_s3(), get_settings().uploads_bucket, key) is not None


def _adhoc(api: Api, teacher_id: Any, name: str, box_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if box_id:
        body["boxId"] = box_id
    done = upload_file(api, teacher_id, "adhoc", PDF, body, file_name=f"{name}.pdf")
    assert done.status == 200, done.body
    doc: dict[str, Any] = done.body["otherDocuments"][-1]
    return doc


def _box(api: Api, teacher_id: Any, name: str) -> dict[str, Any]:
    created = api.post(f"/api/teachers/{teacher_id}/boxes", {"name": name})
    assert created.status == 201, created.body
    box: dict[str, Any] = created.body["documentBoxes"][-1]
    return box


def test_replacing_a_core_document_keeps_the_old_file_and_history(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    first = upload_file(api, teacher["_id"], "passport", PDF, {"number": "A1"})
    old_key = first.body["documents"]["passport"]["filePath"]
    second = upload_file(api, teacher["_id"], "passport", PDF, {"number": "B2"})
    new_key = second.body["documents"]["passport"]["filePath"]
    assert new_key != old_key
    assert second.body["documents"]["passport"]["number"] == "B2"
    assert _exists(old_key) and _exists(new_key)
    history = api.get(f"/api/teachers/{teacher['_id']}/documents/history")
    assert history.status == 200
    paths = [e.get("filePath") for e in history.body if e["type"] == "passport"]
    assert paths == [new_key, old_key]
    assert all(e["by"] and e["at"] for e in history.body)


def test_deleting_a_core_document_marks_it_missing_and_keeps_the_file(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "contract", PDF, {"expiryDate": "2030-01-01"})
    key = done.body["documents"]["contract"]["filePath"]
    deleted = api.delete(f"/api/teachers/{teacher['_id']}/documents/contract")
    assert deleted.status == 200, deleted.body
    contract = deleted.body["documents"]["contract"]
    assert contract["status"] == "missing"
    assert contract["filePath"] is None and contract["expiryDate"] is None
    assert _exists(key)
    last = db.teachers.find_one({"_id": teacher["_id"]})["documentHistory"][-1]
    assert last["action"] == "deleted" and last["previousFilePath"] == key
    assert db.auditlog.find_one({"action": "document.contract.delete"}) is not None
    assert api.get(f"/api/teachers/{teacher['_id']}/documents/contract/url").status == 404
    assert api.delete(f"/api/teachers/{teacher['_id']}/documents/visa").status == 400


def test_avatar_delete_keeps_file(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "avatar", PNG)
    key = done.body["profilePicture"]
    url = api.get(f"/api/teachers/{teacher['_id']}/avatar/url")
    assert url.status == 200 and url.body["fileName"].endswith("_avatar.png")
    assert url.body["contentType"] == "image/png" and "inline" in url.body["url"]
    removed = api.delete(f"/api/teachers/{teacher['_id']}/avatar")
    assert removed.status == 200
    assert "profilePicture" not in db.teachers.find_one({"_id": teacher["_id"]})
    assert _exists(key)


def test_adhoc_rename_move_replace_delete(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    box = _box(api, tid, "Visa")
    doc = _adhoc(api, tid, "Degree")
    assert doc["uploadDate"] and doc["filePath"].startswith(f"teachers/{tid}/adhoc/")
    renamed = api.put(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}", {"name": "Diploma"})
    assert renamed.status == 200, renamed.body
    assert renamed.body["otherDocuments"][0]["name"] == "Diploma"
    moved = api.put(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}", {"boxId": box["_id"]})
    assert moved.body["otherDocuments"][0]["boxId"] == box["_id"]
    bad = api.put(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}", {"boxId": str(ObjectId())})
    assert bad.status == 400
    missing = api.put(f"/api/teachers/{tid}/documents/adhoc/{ObjectId()}", {"name": "x"})
    assert missing.status == 404
    # Replace the file through the presigned flow.
    asked = request_upload(api, tid, "adhoc", JPEG, docId=doc["_id"], file_name="d.jpg")
    assert asked.status == 201, asked.body
    from tests.support.files import confirm, post_to_s3

    post_to_s3(asked.body, JPEG)
    replaced = confirm(api, tid, asked.body["uploadId"])
    assert replaced.status == 200, replaced.body
    current = replaced.body["otherDocuments"][0]
    assert current["_id"] == doc["_id"] and current["name"] == "Diploma"
    assert current["filePath"] == asked.body["key"] and current["contentType"] == "image/jpeg"
    assert _exists(doc["filePath"])
    link = api.get(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}/url")
    assert link.body["fileName"] == "Diploma.jpg"
    deleted = api.delete(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}")
    assert deleted.status == 200
    assert deleted.body["otherDocuments"] == []
    assert _exists(current["filePath"])
    assert api.delete(f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}").status == 404
    actions = [e["action"] for e in db.auditlog.find({"entityId": str(tid)}).sort("at", 1)]
    assert "document.adhoc.update" in actions and "document.adhoc.replace" in actions
    assert "document.adhoc.delete" in actions


def test_reorder_sets_order_and_boxes_and_checks_ownership(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    box = _box(api, tid, "Contracts")
    a, b, c = (_adhoc(api, tid, n) for n in ("A", "B", "C"))
    result = api.put(
        f"/api/teachers/{tid}/documents/adhoc/reorder",
        {
            "documents": [
                {"_id": c["_id"], "boxId": box["_id"]},
                {"_id": a["_id"]},
                {"_id": b["_id"], "boxId": ""},
            ]
        },
    )
    assert result.status == 200, result.body
    docs = result.body["otherDocuments"]
    assert [d["name"] for d in docs] == ["C", "A", "B"]
    assert docs[0]["boxId"] == box["_id"] and docs[1]["boxId"] is None
    assert docs[0]["filePath"] == c["filePath"]
    other = make_teacher(db)
    foreign = _adhoc(api, other["_id"], "Foreign")
    refused = api.put(
        f"/api/teachers/{tid}/documents/adhoc/reorder",
        {"documents": [{"_id": a["_id"]}, {"_id": foreign["_id"]}]},
    )
    assert refused.status == 400
    assert refused.body["errors"][0]["field"] == "documents[1]._id"
    dup = api.put(
        f"/api/teachers/{tid}/documents/adhoc/reorder",
        {"documents": [{"_id": a["_id"]}, {"_id": a["_id"]}]},
    )
    assert dup.status == 400
    unknown_box = api.put(
        f"/api/teachers/{tid}/documents/adhoc/reorder",
        {"documents": [{"_id": a["_id"], "boxId": str(ObjectId())}]},
    )
    assert unknown_box.status == 400
    after = db.teachers.find_one({"_id": tid})
    assert [d["name"] for d in after["otherDocuments"]] == ["C", "A", "B"]


def test_reorder_with_a_stale_list_keeps_a_concurrent_upload(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    a, b = _adhoc(api, tid, "A"), _adhoc(api, tid, "B")
    stale_view = [{"_id": b["_id"]}, {"_id": a["_id"]}]
    late = _adhoc(api, tid, "Late")  # uploaded after the browser loaded the list
    result = api.put(f"/api/teachers/{tid}/documents/adhoc/reorder", {"documents": stale_view})
    assert result.status == 200
    assert [d["name"] for d in result.body["otherDocuments"]] == ["B", "A", "Late"]
    assert result.body["otherDocuments"][2]["_id"] == late["_id"]


def test_concurrent_uploads_and_reorders_lose_nothing(api: Api, db: Any) -> None:
    """Threads confirm uploads while others reorder; every confirmed document survives."""
    from chalicelib.models.documents import AdhocReorder, UploadConfirm
    from chalicelib.services import adhoc, documents
    from chalicelib.services.actor import Actor
    from chalicelib.services.teacher_files import StoredFile

    teacher = make_teacher(db)
    tid = teacher["_id"]
    seed = [_adhoc(api, tid, f"seed{i}") for i in range(3)]
    actor = Actor(user_id=None, email="tester@example.org", role="editor")
    errors: list[BaseException] = []
    added: list[str] = []

    def uploader(n: int) -> None:
        try:
            for i in range(8):
                stored = StoredFile(
                    f"teachers/{tid}/adhoc/t{n}-{i}", f"t{n}-{i}.pdf", "application/pdf", 10
                )
                doc = documents.attach_file(
                    db, actor, tid, "adhoc", stored, UploadConfirm(name=f"t{n}-{i}")
                )
                added.append(f"t{n}-{i}")
                assert doc["otherDocuments"]
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    def reorderer() -> None:
        try:
            for _ in range(12):
                listed = [{"_id": str(d["_id"])} for d in reversed(seed)]
                adhoc.reorder_adhoc(
                    db, actor, str(tid), AdhocReorder.model_validate({"documents": listed}), None
                )
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=uploader, args=(n,)) for n in range(2)]
    threads += [threading.Thread(target=reorderer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    names = [d["name"] for d in db.teachers.find_one({"_id": tid})["otherDocuments"]]
    assert sorted(names) == sorted([d["name"] for d in seed] + added)
    assert len(names) == 3 + 16


def test_boxes_create_rename_reorder_delete(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    one, two, three = (_box(api, tid, n) for n in ("One", "Two", "Three"))
    assert [one["order"], two["order"], three["order"]] == [0, 1, 2]
    renamed = api.put(f"/api/teachers/{tid}/boxes/{two['_id']}", {"name": "Deux"})
    assert renamed.status == 200
    assert renamed.body["documentBoxes"][1]["name"] == "Deux"
    assert api.put(f"/api/teachers/{tid}/boxes/{ObjectId()}", {"name": "x"}).status == 404
    reordered = api.put(
        f"/api/teachers/{tid}/boxes/reorder", {"boxes": [three["_id"], one["_id"], two["_id"]]}
    )
    assert reordered.status == 200, reordered.body
    assert [(b["name"], b["order"]) for b in reordered.body["documentBoxes"]] == [
        ("Three", 0),
        ("One", 1),
        ("Deux", 2),
    ]
    bad = api.put(f"/api/teachers/{tid}/boxes/reorder", {"boxes": [str(ObjectId())]})
    assert bad.status == 400
    doc = _adhoc(api, tid, "Inside", box_id=one["_id"])
    assert doc["boxId"] == one["_id"]
    deleted = api.delete(f"/api/teachers/{tid}/boxes/{one['_id']}")
    assert deleted.status == 200, deleted.body
    assert [b["name"] for b in deleted.body["documentBoxes"]] == ["Three", "Deux"]
    assert deleted.body["otherDocuments"][0]["boxId"] is None
    assert api.delete(f"/api/teachers/{tid}/boxes/{one['_id']}").status == 404


def test_viewer_can_read_but_not_write(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    upload_file(api, teacher["_id"], "passport", PDF)
    viewer = bearer(db, "viewer")
    read = api.get(f"/api/teachers/{teacher['_id']}/documents/passport/url", headers=viewer)
    assert read.status == 200
    write = api.post(
        f"/api/teachers/{teacher['_id']}/uploads",
        {"kind": "passport", "fileName": "a.pdf", "contentType": "application/pdf", "size": 10},
        headers=viewer,
    )
    assert write.status == 403
    assert (
        api.delete(f"/api/teachers/{teacher['_id']}/documents/passport", headers=viewer).status
        == 403
    )
    editor = bearer(db, "editor")
    assert (
        api.delete(f"/api/teachers/{teacher['_id']}/documents/passport", headers=editor).status
        == 200
    )


def test_legacy_teacher_without_document_arrays(api: Api, db: Any) -> None:
    """FETMS documents may lack ``otherDocuments``/``documentBoxes``; box operations still work."""
    teacher = make_teacher(db)
    db.teachers.update_one(
        {"_id": teacher["_id"]}, {"$unset": {"otherDocuments": "", "documentBoxes": ""}}
    )
    tid = teacher["_id"]
    box = _box(api, tid, "First")
    deleted = api.delete(f"/api/teachers/{tid}/boxes/{box['_id']}")
    assert deleted.status == 200, deleted.body
    assert deleted.body["documentBoxes"] == []
    doc = _adhoc(api, tid, "Later")
    assert doc["name"] == "Later"


def test_soft_deleting_a_teacher_keeps_every_file(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    passport = upload_file(api, tid, "passport", PDF).body["documents"]["passport"]["filePath"]
    avatar = upload_file(api, tid, "avatar", PNG).body["profilePicture"]
    adhoc = _adhoc(api, tid, "Extra")["filePath"]
    assert api.delete(f"/api/teachers/{tid}").status == 200
    stored = db.teachers.find_one({"_id": tid})
    assert stored["isDeleted"] is True
    assert stored["documents"]["passport"]["filePath"] == passport
    for key in (passport, avatar, adhoc):
        assert _exists(key)
    assert api.get(f"/api/teachers/{tid}/documents/passport/url").status == 404
    assert api.get("/api/documents").body == []
