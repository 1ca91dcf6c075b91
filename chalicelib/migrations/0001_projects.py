"""FETMS migrate:projects: create TFETP and INDEPENDENT, assign teachers without a project to TFETP.

Idempotent: a project whose code already exists is left alone; only teachers with no project (field
missing or null) are assigned. Not reversible (FETMS had no undo either): restore the backup taken
by ``fetms migrate up`` to go back.
"""

from __future__ import annotations

from chalicelib.db import PROJECTS, TEACHERS, Document
from chalicelib.migrations.runner import MigrationContext
from chalicelib.services.common import stamp_new, utcnow

DEFAULT_PROJECT = "TFETP"
PROJECTS_TO_CREATE: tuple[tuple[str, str, str], ...] = (
    ("TFETP", "Taiwan Foreign English Teacher Program", "The government foreign teacher program"),
    ("INDEPENDENT", "Independent", "Teachers hired outside a program"),
)


def up(ctx: MigrationContext) -> Document:
    db = ctx.db
    created: list[str] = []
    now = utcnow()
    for code, name, description in PROJECTS_TO_CREATE:
        doc = stamp_new(
            {"name": name, "code": code, "description": description, "isActive": True}, now
        )
        result = db[PROJECTS].update_one({"code": code}, {"$setOnInsert": doc}, upsert=True)
        if result.upserted_id is not None:
            created.append(code)
            ctx.log(f"  created project {code}")
    default = db[PROJECTS].find_one({"code": DEFAULT_PROJECT}, {"_id": 1})
    assert default is not None
    assigned = db[TEACHERS].update_many(
        {"$or": [{"project": {"$exists": False}}, {"project": None}]},
        {"$set": {"project": default["_id"], "updatedAt": now}, "$inc": {"__v": 1}},
    )
    ctx.log(f"  assigned {assigned.modified_count} teachers to {DEFAULT_PROJECT}")
    return {"projectsCreated": created, "teachersAssigned": assigned.modified_count}
