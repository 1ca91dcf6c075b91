"""The Documents page: every teacher's documents as rows (one aggregation, paged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.models.documents import CORE_TYPES, VaultQuery
from chalicelib.services.common import NOT_DELETED, Page, search_pattern, utcnow
from chalicelib.services.expiry import start_of_day

# Where FETMS keeps the expiry of each core document when ``documents.<type>`` has none.
DETAIL_EXPIRY = {
    "passport": "$passportDetails.expiryDate",
    "arc": "$arcDetails.expiryDate",
    "workPermit": "$workPermitDetails.expiryDate",
    "contract": "$contractDetails.contractEndDate",
}
NO_EXPIRY_SORT = datetime(9999, 12, 31, tzinfo=UTC)
NO_EXPIRY_SORT_DESC = datetime(1, 1, 1, tzinfo=UTC)  # documents without a date stay last


def _core_row(doc_type: str) -> Document:
    base = f"$documents.{doc_type}"
    return {
        "type": doc_type,
        "name": None,
        "docId": None,
        "boxId": None,
        "filePath": {"$ifNull": [f"{base}.filePath", None]},
        "expiryDate": {"$ifNull": [f"{base}.expiryDate", DETAIL_EXPIRY[doc_type], None]},
        "uploadedAt": {"$ifNull": [f"{base}.uploadedAt", None]},
    }


ADHOC_ROWS: Document = {
    "$map": {
        "input": {"$ifNull": ["$otherDocuments", []]},
        "as": "d",
        "in": {
            "type": "adhoc",
            "name": "$$d.name",
            "docId": "$$d._id",
            "boxId": {"$ifNull": ["$$d.boxId", None]},
            "filePath": {"$ifNull": ["$$d.filePath", None]},
            "expiryDate": None,
            "uploadedAt": {"$ifNull": ["$$d.uploadDate", None]},
        },
    }
}


def vault_pipeline(query: VaultQuery, *, limit: int, offset: int, now: datetime) -> list[Document]:
    teacher_match: Document = dict(NOT_DELETED)
    if query.projectId:
        teacher_match["project"] = ObjectId(query.projectId)
    if query.teacherId:
        teacher_match["_id"] = ObjectId(query.teacherId)
    if query.school:
        teacher_match["school"] = ObjectId(query.school)
    if query.search:
        pattern = search_pattern(query.search)
        teacher_match["$or"] = [
            {"firstName": pattern},
            {"lastName": pattern},
            {"email": pattern},
        ]
    descending = query.order == "desc"
    has_file = {
        "$and": [
            {"$ne": [{"$ifNull": ["$filePath", None]}, None]},
            {"$ne": ["$filePath", ""]},
        ]
    }
    has_expiry = {"$ne": [{"$ifNull": ["$expiryDate", None]}, None]}
    today = start_of_day(now)  # expired: on or before today (services/expiry.py)
    row_match: Document = {}
    if query.type:
        row_match["type"] = query.type
    if query.status:
        row_match["status"] = query.status
    if query.expiringWithinDays is not None:
        row_match["expiryDate"] = {
            "$gt": today,
            "$lte": today + timedelta(days=query.expiringWithinDays),
        }
    pipeline: list[Document] = [
        {"$match": teacher_match},
        {
            "$project": {
                "teacherName": {
                    "$concat": [
                        {"$ifNull": ["$firstName", ""]},
                        " ",
                        {"$ifNull": ["$lastName", ""]},
                    ]
                },
                "schoolId": {"$ifNull": ["$school", None]},
                "rows": {"$concatArrays": [[_core_row(t) for t in CORE_TYPES], ADHOC_ROWS]},
            }
        },
        {"$unwind": "$rows"},
        {
            "$replaceRoot": {
                "newRoot": {
                    "$mergeObjects": [
                        "$rows",
                        {
                            "teacherId": "$_id",
                            "teacherName": "$teacherName",
                            "schoolId": "$schoolId",
                        },
                    ]
                }
            }
        },
        {
            "$set": {
                "hasFile": has_file,
                "status": {
                    "$cond": [
                        has_file,
                        {
                            "$cond": [
                                {"$and": [has_expiry, {"$lte": ["$expiryDate", today]}]},
                                "expired",
                                "valid",
                            ]
                        },
                        "missing",
                    ]
                },
                "sortExpiry": {
                    "$ifNull": [
                        "$expiryDate",
                        NO_EXPIRY_SORT_DESC if descending else NO_EXPIRY_SORT,
                    ]
                },
            }
        },
    ]
    if row_match:
        pipeline.append({"$match": row_match})
    pipeline += [
        {
            "$sort": {
                "sortExpiry": -1 if descending else 1,
                "teacherName": 1,
                "teacherId": 1,
                "type": 1,
                "docId": 1,
            }
        },
        {"$project": {"sortExpiry": 0, "filePath": 0}},
        {
            "$facet": {
                "items": [{"$skip": offset}, {"$limit": limit}],
                "total": [{"$count": "n"}],
            }
        },
    ]
    return pipeline


def vault_view(db: Db, query: VaultQuery, *, limit: int, offset: int) -> Page:
    result: list[dict[str, Any]] = list(
        db[TEACHERS].aggregate(vault_pipeline(query, limit=limit, offset=offset, now=utcnow()))
    )
    facet = result[0] if result else {"items": [], "total": []}
    total = int(facet["total"][0]["n"]) if facet.get("total") else 0
    return Page(items=list(facet.get("items") or []), total=total, limit=limit, offset=offset)
