"""Index check: the registry (``chalicelib.db.INDEXES``) against ``list_indexes()``.

Reports indexes that are missing, extra (present but not declared; ``_id_`` excepted) and
mismatched (same name, other keys or options). Never builds anything: building is
``fetms indexes ensure`` at deploy time, never in the request path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.db import INDEXES, Db, Document, IndexRegistry, IndexSpec
from chalicelib.jobs.common import gauge
from chalicelib.observability import logger

PROBLEMS = ("missing", "extra", "mismatched")


@dataclass(frozen=True)
class IndexDrift:
    collection: str
    name: str
    problem: str  # missing | extra | mismatched
    detail: str = ""

    def as_dict(self) -> Document:
        return {
            "collection": self.collection,
            "index": self.name,
            "problem": self.problem,
            "detail": self.detail,
        }


def expected_shape(spec: IndexSpec) -> Document:
    shape: Document = {
        "key": [(k, int(v)) for k, v in spec.keys],
        "unique": spec.unique,
        "partialFilterExpression": spec.partial,
        "collation": {"locale": "en", "strength": 2} if spec.case_insensitive else None,
        "expireAfterSeconds": spec.expire_after_seconds,
    }
    return shape


def existing_shape(index: Document) -> Document:
    collation = index.get("collation")
    key: Any = index.get("key") or {}
    return {
        "key": [(k, int(v)) if isinstance(v, (int, float)) else (k, v) for k, v in key.items()],
        "unique": bool(index.get("unique", False)),
        "partialFilterExpression": index.get("partialFilterExpression"),
        "collation": (
            {"locale": collation.get("locale"), "strength": int(collation.get("strength", 3))}
            if collation
            else None
        ),
        "expireAfterSeconds": index.get("expireAfterSeconds"),
    }


def _differences(want: Document, have: Document) -> str:
    return "; ".join(
        f"{field}: expected {want[field]!r}, found {have[field]!r}"
        for field in want
        if want[field] != have[field]
    )


def compare_indexes(db: Db, registry: IndexRegistry = INDEXES) -> list[IndexDrift]:
    drift: list[IndexDrift] = []
    existing_collections = set(db.list_collection_names())
    collections = sorted((existing_collections | set(registry.by_collection)) - {"system.views"})
    for collection in collections:
        if collection.startswith("system."):
            continue
        present: dict[str, Document] = {}
        if collection in existing_collections:
            present = {str(ix["name"]): dict(ix) for ix in db[collection].list_indexes()}
        declared = {spec.name: spec for spec in registry.by_collection.get(collection, [])}
        for name, spec in declared.items():
            if name not in present:
                drift.append(IndexDrift(collection, name, "missing"))
                continue
            diff = _differences(expected_shape(spec), existing_shape(present[name]))
            if diff:
                drift.append(IndexDrift(collection, name, "mismatched", diff))
        for name in sorted(set(present) - set(declared) - {"_id_"}):
            drift.append(IndexDrift(collection, name, "extra"))
    return drift


def summarize(drift: list[IndexDrift]) -> dict[str, int]:
    return {problem: sum(1 for d in drift if d.problem == problem) for problem in PROBLEMS}


def run_index_check(db: Db, registry: IndexRegistry = INDEXES) -> Document:
    """The scheduled job: log each drift, emit ``IndexesMissing|Extra|Mismatched`` gauges."""
    drift = compare_indexes(db, registry)
    counts = summarize(drift)
    for item in drift:
        logger.warning("index drift", extra=item.as_dict())
    gauge("IndexesMissing", counts["missing"])
    gauge("IndexesExtra", counts["extra"])
    gauge("IndexesMismatched", counts["mismatched"])
    if drift:
        logger.warning("index check found drift", extra=counts)
    else:
        logger.info("index check: registry and database agree")
    return {"drift": [d.as_dict() for d in drift], **counts}
