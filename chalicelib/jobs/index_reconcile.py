"""Bring a collection's indexes to the registry: build the missing, replace the differing, drop the
undeclared — without ever leaving a declared unique index unbuilt because of existing data.

Used by the migration that adopts an original FETMS database (Mongoose built its own indexes:
``code_1`` where we declare ``code_unique``, a case-sensitive ``email_1`` where we need a
case-insensitive partial one, and indexes we do not use). Every step is idempotent: an interrupted
run is completed by running it again, because each run starts from ``list_indexes()``.

Order per collection:

1. **Check first, change nothing**: every unique index still to be built is checked against the
   data (case-insensitively where it is declared so); duplicates fail the whole run before any
   index is touched, naming the records to fix.
2. Drop an index whose name we declare with other keys or options, and an undeclared index with
   the same keys and collation as a declared one that is missing (MongoDB refuses a second index
   on the same keys and collation: ``IndexOptionsConflict``).
3. Build the declared indexes that are missing.
4. Drop the remaining undeclared indexes (``_id_`` excepted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pymongo.errors import OperationFailure

from chalicelib.db import INDEXES, Db, Document, IndexRegistry, IndexSpec
from chalicelib.jobs.index_check import existing_shape, expected_shape

MAX_REPORTED_DUPLICATES = 20


class IndexReconcileError(Exception):
    """The data prevents a declared index (duplicates for a unique index); nothing was changed."""


@dataclass
class ReconcileReport:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def as_dict(self) -> Document:
        return {"created": self.created, "dropped": self.dropped}


def _same_keys_and_collation(spec: IndexSpec, index: Document) -> bool:
    shape = existing_shape(index)
    want = expected_shape(spec)
    return bool(shape["key"] == want["key"] and shape["collation"] == want["collation"])


def _present(db: Db, collection: str) -> dict[str, Document]:
    if collection not in db.list_collection_names():
        return {}
    return {str(ix["name"]): dict(ix) for ix in db[collection].list_indexes()}


def _matches(spec: IndexSpec, index: Document) -> bool:
    return bool(expected_shape(spec) == existing_shape(index))


def duplicates(db: Db, collection: str, spec: IndexSpec) -> list[Document]:
    """Groups of records that a unique ``spec`` would refuse: ``[{key, ids}]`` (at most 20)."""
    fields = [name for name, _ in spec.keys]
    group_key: Document = {
        name.replace(".", "_"): ({"$toLower": f"${name}"} if spec.case_insensitive else f"${name}")
        for name in fields
    }
    match: Document = dict(spec.partial or {})
    pipeline: list[Document] = [
        {"$match": match},
        {"$group": {"_id": group_key, "ids": {"$push": "$_id"}, "count": {"$sum": 1}}},
        {"$match": {"count": {"$gt": 1}}},
        {"$limit": MAX_REPORTED_DUPLICATES},
    ]
    return [{"key": row["_id"], "ids": row["ids"]} for row in db[collection].aggregate(pipeline)]


def _check_unique_data(db: Db, collection: str, specs: list[IndexSpec]) -> None:
    problems: list[str] = []
    for spec in specs:
        for group in duplicates(db, collection, spec):
            values = ", ".join(f"{v!r}" for v in group["key"].values())
            ids = ", ".join(str(i) for i in group["ids"][:10])
            how = " (ignoring case)" if spec.case_insensitive else ""
            problems.append(f"{collection}: {values} is used by {len(group['ids'])} records{how}")
            problems.append(f"  ids: {ids}")
    if problems:
        raise IndexReconcileError(
            "the unique index(es) cannot be built until these duplicates are resolved (edit or "
            "soft-delete all but one of each, then run `fetms migrate up` again; nothing was "
            "changed):\n" + "\n".join(problems)
        )


def _to_build(declared: dict[str, IndexSpec], present: dict[str, Document]) -> list[IndexSpec]:
    return [
        spec
        for name, spec in declared.items()
        if name not in present or not _matches(spec, present[name])
    ]


def check_data(db: Db, collections: list[str], registry: IndexRegistry = INDEXES) -> None:
    """Raise :class:`IndexReconcileError` when data prevents a unique index still to be built."""
    for collection in collections:
        declared = {spec.name: spec for spec in registry.by_collection.get(collection, [])}
        to_build = _to_build(declared, _present(db, collection))
        _check_unique_data(db, collection, [s for s in to_build if s.unique])


def reconcile_collection(
    db: Db,
    collection: str,
    registry: IndexRegistry = INDEXES,
    log: Callable[[str], None] = lambda message: None,
    report: ReconcileReport | None = None,
) -> ReconcileReport:
    """Make ``collection``'s indexes exactly the declared ones (see the module docstring)."""
    result = report or ReconcileReport()
    declared = {spec.name: spec for spec in registry.by_collection.get(collection, [])}
    present = _present(db, collection)
    if not present and not declared:
        return result
    to_build = _to_build(declared, present)
    _check_unique_data(db, collection, [s for s in to_build if s.unique])

    def drop(name: str, why: str) -> None:
        try:
            db[collection].drop_index(name)
        except OperationFailure as exc:
            if exc.code != 27:  # IndexNotFound: dropped by an earlier, interrupted run
                raise
        present.pop(name, None)
        result.dropped.append(f"{collection}.{name}")
        log(f"  dropped {collection}.{name} ({why})")

    for spec in to_build:
        if spec.name in present:
            drop(spec.name, "declared with other keys or options")
        for name, index in list(present.items()):
            if name not in declared and name != "_id_" and _same_keys_and_collation(spec, index):
                drop(name, f"same keys as {spec.name}")
    for spec in to_build:
        db[collection].create_index(list(spec.keys), **spec.create_kwargs())
        result.created.append(f"{collection}.{spec.name}")
        log(f"  created {collection}.{spec.name}")
    for name in sorted(set(present) - set(declared) - {"_id_"}):
        drop(name, "not used")
    return result


def reconcile(
    db: Db,
    collections: list[str],
    registry: IndexRegistry = INDEXES,
    log: Callable[[str], None] = lambda message: None,
) -> ReconcileReport:
    """Reconcile every listed collection (those absent from the database get their indexes)."""
    check_data(db, collections, registry)
    report = ReconcileReport()
    for collection in collections:
        reconcile_collection(db, collection, registry, log, report)
    return report
