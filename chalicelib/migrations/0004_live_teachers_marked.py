"""Teachers without ``isDeleted`` (or with ``null``) get ``isDeleted: false``.

Records the original FETMS stored before its schema had the field are live to both systems, but
the unique index ``email_unique_active`` (partial on ``isDeleted: false``) cannot see them: a new
teacher could take their e-mail, and the e-mail check could not be served by that index. Marking
them changes no meaning (Mongoose's default is ``false``) and lets the index alone guard the
e-mail of every live teacher.

Two live teachers whose e-mails differ only in case stop the migration before anything changes;
the message names them. Idempotent; irreversible in place (restore the backup that
``fetms migrate up`` takes first to go back).
"""

from __future__ import annotations

from chalicelib.db import TEACHERS, Document
from chalicelib.migrations.runner import MigrationContext, MigrationError
from chalicelib.services.common import NOT_DELETED, utcnow

UNMARKED: Document = {"isDeleted": None}  # matches a missing field and null
MAX_REPORTED = 20


def up(ctx: MigrationContext) -> Document:
    db = ctx.db
    clashes = list(
        db[TEACHERS].aggregate(
            [
                {"$match": {**NOT_DELETED, "email": {"$type": "string"}}},
                {"$group": {"_id": {"$toLower": "$email"}, "ids": {"$push": "$_id"}}},
                {"$match": {"ids.1": {"$exists": True}}},
                {"$limit": MAX_REPORTED},
            ]
        )
    )
    if clashes:
        lines = [
            f"  {row['_id']!r}: {', '.join(str(i) for i in row['ids'][:10])}" for row in clashes
        ]
        raise MigrationError(
            "live teachers share an e-mail (ignoring case); edit or soft-delete all but one of "
            "each, then run `fetms migrate up` again (nothing was changed):\n" + "\n".join(lines)
        )
    marked = db[TEACHERS].update_many(
        UNMARKED, {"$set": {"isDeleted": False, "updatedAt": utcnow()}, "$inc": {"__v": 1}}
    )
    ctx.log(f"  {marked.modified_count} teachers without isDeleted marked live")
    return {"teachersMarked": marked.modified_count}
