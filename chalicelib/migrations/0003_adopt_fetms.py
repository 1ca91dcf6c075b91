"""Adopt an original FETMS database: our indexes instead of Mongoose's; deleted records inert.

What an original FETMS (Express + Mongoose) leaves in its database, and what this does about it:

* **Indexes.** Mongoose built ``field_1`` indexes from its schemas: ``projects.code_1`` (unique,
  the key we declare as ``code_unique``), ``teachers.email_1`` (unique but case-sensitive and over
  deleted teachers too — we declare ``email_unique_active``: case-insensitive, live teachers only),
  and indexes we do not use (``isActive_1``, ``isDeleted_1``, ``name.chinese_1``,
  ``firstName_1``…). Every collection of ours and of FETMS's is reconciled with the registry
  (:mod:`chalicelib.jobs.index_reconcile`): afterwards ``fetms indexes check`` is clean. Two live
  teachers whose e-mails differ only in case stop the migration before any index is touched; the
  message names them.
* **Deleted alert rules** (ours are soft-deleted) get ``isActive: false`` too: FETMS's dashboard
  reads every rule with ``isActive: true``.
* **Deleted stages** (ours were soft-deleted in ``stages``) move to ``deletedstages``: FETMS reads
  every document of ``stages`` as a kanban column.

Idempotent and resumable: each step starts from the current state, so an interrupted run is
completed by ``fetms migrate up``. Irreversible in place (no ``down``): restore the backup
``fetms migrate up`` takes first to go back.
"""

from __future__ import annotations

from chalicelib.db import (
    ALERT_RULES,
    DELETED_STAGES,
    FETMS_COLLECTIONS,
    INDEXES,
    STAGES,
    Document,
)
from chalicelib.jobs.index_reconcile import IndexReconcileError, reconcile
from chalicelib.migrations.runner import MigrationContext, MigrationError


def collections_to_reconcile(existing: list[str]) -> list[str]:
    """Every collection the registry declares, and FETMS's collections that exist."""
    fetms = [name for name in FETMS_COLLECTIONS if name in existing]
    return sorted(set(INDEXES.by_collection) | set(fetms))


def up(ctx: MigrationContext) -> Document:
    db = ctx.db
    existing = db.list_collection_names()
    try:
        report = reconcile(db, collections_to_reconcile(existing), log=ctx.log)
    except IndexReconcileError as exc:
        raise MigrationError(str(exc)) from exc
    inactive = db[ALERT_RULES].update_many(
        {"isDeleted": True, "isActive": {"$ne": False}}, {"$set": {"isActive": False}}
    )
    moved = 0
    for stage in db[STAGES].find({"isDeleted": True}):
        db[DELETED_STAGES].replace_one({"_id": stage["_id"]}, stage, upsert=True)
        db[STAGES].delete_one({"_id": stage["_id"]})
        moved += 1
    ctx.log(
        f"  indexes: {len(report.created)} created, {len(report.dropped)} dropped; "
        f"{inactive.modified_count} deleted alert rules deactivated; "
        f"{moved} deleted stages moved to {DELETED_STAGES}"
    )
    return {
        **report.as_dict(),
        "alertRulesDeactivated": inactive.modified_count,
        "stagesArchived": moved,
    }
