"""The engine floor of each benchmarked route: the fewest raw pymongo commands that produce the
same response data, written without the app's code (so the floor does not move when the app
changes) and timed the same way as the route.

Each floor takes what the route's client knows (ids, the query, the body) and returns the data
the response carries, in a form :mod:`bench.checks` compares with the route's answer. The shape
of list items and cards (which fields, which fields of the populated school/project) is taken
from a response of the route itself, so a floor never reads more or fewer fields than the app
returns. What a floor does *not* do, by definition: the session check, rate limiting, the
maintenance flag (request overhead, counted on the route's side) — see docs/PERFORMANCE.md.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

Doc = dict[str, Any]
Db = Database[Doc]

LIVE: Doc = {"isDeleted": {"$in": [False, None]}}
"""A live record: ``isDeleted`` false or absent (legacy FETMS documents)."""
UNCATEGORIZED = "uncategorized"
DOCUMENT_TYPES = ("passport", "arc", "contract", "workPermit")
UNSPECIFIED = "Unspecified"
SEARCH_FIELDS = (
    "firstName",
    "lastName",
    "middleName",
    "email",
    "personalInfo.englishName",
    "personalInfo.chineseName",
)
PROFILE_FILTERS = {
    "nationality": "personalInfo.nationality.english",
    "gender": "personalInfo.gender",
    "hiringStatus": "personalInfo.hiringStatus",
    "degree": "education.degree",
}
RULE_CATEGORY = {
    "arcDetails": "arc",
    "workPermitDetails": "workPermit",
    "passportDetails": "passport",
    "teachingLicense": "teachingLicense",
}
# Echoed by a client that sends back a loaded teacher; the server never writes them from a form.
READ_ONLY = frozenset(
    {
        "_id",
        "__v",
        "createdAt",
        "updatedAt",
        "pipelineOrder",
        "profilePicture",
        "documentBoxes",
        "otherDocuments",
        "stageHistory",
        "documentHistory",
        "isDeleted",
        "deletedAt",
        "deletedBy",
        "filePath",
        "uploadDate",
        "originalName",
    }
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


# --- shapes taken from a response -----------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Which stored paths a list item / card carries, and which fields of its references."""

    paths: tuple[str, ...]
    school: tuple[str, ...] = ()
    project: tuple[str, ...] = ()

    @property
    def populated(self) -> bool:
        return bool(self.school or self.project)


def shape_of(items: list[Doc], references: tuple[str, ...] = ("school", "project")) -> Shape:
    """The projection an answer needs: every leaf path of ``items`` (a parent wins over its
    children when some item holds a non-object there); populated references separately."""
    leaves: set[str] = set()
    refs: dict[str, set[str]] = {name: set() for name in references}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        else:
            leaves.add(prefix)

    for item in items:
        for key, value in item.items():
            if key in refs and isinstance(value, dict):
                refs[key].update(k for k in value if k != "_id")
            elif key in refs:
                continue
            else:
                walk(key, value)
    kept = [p for p in sorted(leaves) if not any(p.startswith(q + ".") for q in leaves)]
    populated = {k: tuple(sorted(v)) for k, v in refs.items()}
    plain_refs = tuple(k for k, v in populated.items() if not v)
    return Shape(
        paths=tuple(kept) + plain_refs + tuple(k for k, v in populated.items() if v),
        school=populated.get("school", ()),
        project=populated.get("project", ()),
    )


def populate(shape: Shape) -> list[Doc]:
    """``$lookup`` + ``$unwind`` of the references the answer shows populated."""
    stages: list[Doc] = []
    for name, collection, fields in (
        ("school", "schools", shape.school),
        ("project", "projects", shape.project),
    ):
        if not fields:
            continue
        stages.append(
            {
                "$lookup": {
                    "from": collection,
                    "localField": name,
                    "foreignField": "_id",
                    "as": name,
                    "pipeline": [{"$project": dict.fromkeys(fields, 1)}],
                }
            }
        )
        stages.append({"$unwind": {"path": f"${name}", "preserveNullAndEmptyArrays": True}})
    return stages


# --- reads ----------------------------------------------------------------------------------


def get_teacher(db: Db, teacher_id: str, shape: Shape) -> Doc | None:
    """One aggregation: the teacher with its school and project populated."""
    pipeline = [{"$match": {"_id": ObjectId(teacher_id), **LIVE}}, *populate(shape)]
    found = list(db.teachers.aggregate(pipeline))
    return found[0] if found else None


def list_match(params: dict[str, str]) -> Doc:
    """The ``$match`` of a teacher list query (the filters the benchmark uses, and a few more)."""
    match: Doc = dict(LIVE)
    for name, value in params.items():
        if name in ("limit", "offset", "sort", "order"):
            continue
        if name == "projectId":
            match["project"] = ObjectId(value)
        elif name == "school":
            match["school"] = ObjectId(value)
        elif name == "pipelineStage":
            match["pipelineStage"] = value
        elif name in PROFILE_FILTERS:
            match[PROFILE_FILTERS[name]] = value
        elif name == "search":
            pattern = {"$regex": re.escape(value), "$options": "i"}
            match["$or"] = [{path: pattern} for path in SEARCH_FIELDS]
        else:
            raise ValueError(f"the list floor does not model the filter {name!r}")
    return match


@dataclass
class ListAnswer:
    ids: list[str]
    total: int | None


def list_page(db: Db, params: dict[str, str], shape: Shape, *, counted: bool) -> ListAnswer:
    """The page (sorted, skipped, limited, projected, populated) + a count when the route
    returns a total it cannot derive from the page."""
    match = list_match(params)
    limit, offset = int(params.get("limit", "50")), int(params.get("offset", "0"))
    pipeline: list[Doc] = [
        {"$match": match},
        {"$sort": {"createdAt": -1, "_id": -1}},
        *([{"$skip": offset}] if offset else []),
        {"$limit": limit},
        {"$project": dict.fromkeys(shape.paths, 1)},
        *populate(shape),
    ]
    items = list(db.teachers.aggregate(pipeline))
    total = db.teachers.count_documents(match) if counted else None
    return ListAnswer(ids=[str(i["_id"]) for i in items], total=total)


def kanban(db: Db, project_id: str | None, per_column: int, shape: Shape) -> list[Doc]:
    """One command: the teachers grouped by their stored stage with a count and the first
    cards, then (``$unionWith``) the live stages; groups of unknown stages fold into
    uncategorized here (the first ``per_column`` of a union are among the first ``per_column``
    of each part)."""
    match: Doc = dict(LIVE)
    if project_id:
        match["project"] = ObjectId(project_id)
    rows = list(
        db.teachers.aggregate(
            [
                {"$match": match},
                {"$project": dict.fromkeys(shape.paths, 1)},
                {
                    "$group": {
                        "_id": "$pipelineStage",
                        "count": {"$sum": 1},
                        "cards": {
                            "$topN": {
                                "output": "$$ROOT",
                                "sortBy": {"pipelineOrder": 1, "_id": 1},
                                "n": per_column,
                            }
                        },
                    }
                },
                {
                    "$unionWith": {
                        "coll": "stages",
                        "pipeline": [
                            {"$match": LIVE},
                            {"$project": {"title": 1, "order": 1, "isEmployed": 1}},
                            {"$set": {"stage": True}},
                        ],
                    }
                },
            ]
        )
    )
    stages = sorted((r for r in rows if r.get("stage")), key=lambda s: (s["order"], s["_id"]))
    live = {str(s["_id"]) for s in stages}
    columns: dict[str, Doc] = {UNCATEGORIZED: {"_id": UNCATEGORIZED, "count": 0, "cards": []}}
    for stage in stages:
        columns[str(stage["_id"])] = {"_id": str(stage["_id"]), "count": 0, "cards": []}
    for group in (r for r in rows if not r.get("stage")):
        key = group["_id"] if group["_id"] in live else UNCATEGORIZED
        columns[key]["count"] += group["count"]
        columns[key]["cards"].extend(group["cards"])
    for column in columns.values():
        column["cards"].sort(key=lambda c: (c.get("pipelineOrder", float("inf")), c["_id"]))
        del column["cards"][per_column:]
    return list(columns.values())


# --- the dashboard --------------------------------------------------------------------------


CHART_PATHS = {
    "nationality": "personalInfo.nationality.english",
    "gender": "personalInfo.gender",
    "education": "education.degree",
    "hiringStatus": "personalInfo.hiringStatus",
    "salary": "contractDetails.salary",
    "seniority": "contractDetails.senioritySalary",
}
SALARY_EDGES = (0, 40_000, 50_000, 60_000, 70_000, 80_000)
ITEM_FIELDS = ("firstName", "middleName", "lastName", "email", "pipelineStage", "profilePicture")


@dataclass
class Rule:
    name: str
    path: str
    threshold: datetime


@dataclass
class DashboardAnswer:
    kpi: dict[str, int]
    charts: dict[str, dict[str, int]]
    candidates: list[str]
    expiry_counts: dict[str, dict[str, int]]
    expiry: dict[str, list[str]] = field(default_factory=dict)


def _rules(rows: list[Doc], today: datetime) -> list[Rule]:
    rules: list[Rule] = []
    for row in rows:
        section, value = str(row.get("documentType") or ""), row.get("value")
        if row.get("conditionType") == "DAYS_REMAINING" and isinstance(value, int | float):
            threshold = today + timedelta(days=int(value))
        elif row.get("conditionType") == "DATE_THRESHOLD" and isinstance(value, datetime):
            threshold = value if value.tzinfo else value.replace(tzinfo=UTC)
        else:
            continue
        rules.append(Rule(str(row.get("name") or ""), f"{section}.expiryDate", threshold))
    return rules


def dashboard(
    db: Db, params: dict[str, str], now: datetime, candidate_shape: Shape, per_type: int = 100
) -> DashboardAnswer:
    """Two commands: the stages and active alert rules (one read, ``$unionWith``), then one
    aggregation over the filtered teachers that groups by stored values; labels, buckets,
    stage folding and rule names are derived here from those few groups."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    reference = list(
        db.stages.aggregate(
            [
                {"$match": LIVE},
                {"$project": {"title": 1, "order": 1, "isEmployed": 1}},
                {
                    "$unionWith": {
                        "coll": "alertrules",
                        "pipeline": [
                            {"$match": {**LIVE, "isActive": {"$ne": False}}},
                            {"$set": {"rule": True}},
                        ],
                    }
                },
            ]
        )
    )
    stages = [r for r in reference if not r.get("rule")]
    rules = _rules([r for r in reference if r.get("rule")], today)
    employed = [str(s["_id"]) for s in stages if s.get("isEmployed")]
    cutoffs: dict[str, datetime] = {}
    for rule in rules:
        cutoffs[rule.path] = max(rule.threshold, cutoffs.get(rule.path, rule.threshold))

    match = _dashboard_match(params)
    slim = {"school", "pipelineStage", *CHART_PATHS.values(), *candidate_shape.paths, *cutoffs}
    slim |= {*ITEM_FIELDS, "createdAt"}
    kept = [p for p in sorted(slim) if not any(p.startswith(q + ".") for q in slim)]
    facets: Doc = {
        "schools": [
            {"$match": {"school": {"$ne": None}}},
            {"$group": {"_id": "$school"}},
            {"$count": "n"},
        ],
        "stage": [{"$group": {"_id": "$pipelineStage", "n": {"$sum": 1}}}],
        **{
            name: [{"$group": {"_id": f"${path}", "n": {"$sum": 1}}}]
            for name, path in CHART_PATHS.items()
        },
        "candidates": [
            {"$match": {"pipelineStage": {"$nin": employed}}},
            {"$sort": {"createdAt": -1, "_id": -1}},
            {"$limit": 100},
            {"$project": dict.fromkeys(candidate_shape.paths, 1)},
        ],
    }
    for index, (path, cutoff) in enumerate(cutoffs.items()):
        flagged = {"$match": {path: {"$lte": cutoff}}}
        facets[f"items{index}"] = [
            flagged,
            {"$sort": {path: 1, "_id": 1}},
            {"$limit": per_type},
            {"$project": {**dict.fromkeys(ITEM_FIELDS, 1), path: 1}},
        ]
        facets[f"counts{index}"] = [
            flagged,
            {"$group": {"_id": {"$lt": [f"${path}", today]}, "n": {"$sum": 1}}},
        ]
    if cutoffs:
        either = [{path: {"$lte": cutoff}} for path, cutoff in cutoffs.items()]
        facets["flagged"] = [{"$match": {"$or": either}}, {"$count": "n"}]
    pipeline: list[Doc] = [
        {"$match": match},
        {"$project": dict.fromkeys(kept, 1)},
        {"$facet": facets},
    ]
    result = next(iter(db.teachers.aggregate(pipeline)), {})
    return _dashboard_answer(result, stages, employed, cutoffs, today)


def _dashboard_match(params: dict[str, str]) -> Doc:
    match: Doc = dict(LIVE)
    for name, value in params.items():
        if name == "projectId":
            match["project"] = ObjectId(value)
        elif name in PROFILE_FILTERS:
            match[PROFILE_FILTERS[name]] = value
        elif name == "salaryRange":  # numeric salaries in [a, b) (the seed stores numbers)
            low, high = (int(part) for part in value.split("-"))
            match["contractDetails.salary"] = {"$gte": low, "$lt": high}
        else:
            raise ValueError(f"the dashboard floor does not model the filter {name!r}")
    return match


def _label(value: Any) -> str:
    return UNSPECIFIED if value in (None, "") else str(value)


def _salary_label(value: Any) -> str:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return UNSPECIFIED
    if amount < SALARY_EDGES[0]:
        return UNSPECIFIED
    for low, high in itertools.pairwise(SALARY_EDGES):
        if amount < high:
            return f"{low}-{high}"
    return f"{SALARY_EDGES[-1]}+"


def _seniority_label(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        years: int | None = int(value // 1)
    else:
        found = re.match(r"^\s*(\d+)", value) if isinstance(value, str) else None
        years = int(found.group(1)) if found else None
    if years is None or years < 0:
        return UNSPECIFIED
    return "10+ Years" if years >= 10 else f"{years} Years"


def _dashboard_answer(
    result: Doc,
    stages: list[Doc],
    employed: list[str],
    cutoffs: dict[str, datetime],
    today: datetime,
) -> DashboardAnswer:
    live = {str(s["_id"]): str(s.get("title", "")) for s in stages}
    charts: dict[str, dict[str, int]] = {"pipeline": {}}
    total = in_recruitment = 0
    for row in result.get("stage", []):
        title = live.get(row["_id"], "Uncategorized")
        charts["pipeline"][title] = charts["pipeline"].get(title, 0) + row["n"]
        total += row["n"]
        in_recruitment += 0 if row["_id"] in employed else row["n"]
    labels = {"salary": _salary_label, "seniority": _seniority_label}
    for name in CHART_PATHS:
        chart: dict[str, int] = {}
        for row in result.get(name, []):
            label = labels.get(name, _label)(row["_id"])
            chart[label] = chart.get(label, 0) + row["n"]
        charts[name] = chart
    counts = {c: {"expired": 0, "expiring": 0} for c in (*RULE_CATEGORY.values(), "other")}
    expiry: dict[str, list[str]] = {c: [] for c in counts}
    for index, path in enumerate(cutoffs):
        category = RULE_CATEGORY.get(path.split(".", 1)[0], "other")
        for row in result.get(f"counts{index}", []):
            counts[category]["expired" if row["_id"] else "expiring"] += row["n"]
        expiry[category] += [str(doc["_id"]) for doc in result.get(f"items{index}", [])]
    schools = result.get("schools") or [{"n": 0}]
    flagged = result.get("flagged") or [{"n": 0}]
    return DashboardAnswer(
        kpi={
            "totalTeachers": total,
            "activeSchools": int(schools[0]["n"]),
            "inRecruitment": in_recruitment,
            "actionsNeeded": int(flagged[0]["n"]),
        },
        charts=charts,
        candidates=[str(doc["_id"]) for doc in result.get("candidates", [])],
        expiry_counts=counts,
        expiry=expiry,
    )


# --- writes ---------------------------------------------------------------------------------


def _stored(value: Any) -> Any:
    """A JSON value as the server stores it (ISO dates → datetimes)."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _flatten(prefix: str, value: Any, out: Doc) -> Doc:
    for key, inner in value.items():
        if key in READ_ONLY:
            continue
        path = f"{prefix}{key}"
        if isinstance(inner, dict):
            _flatten(path + ".", inner, out)  # an empty section changes nothing
        else:
            out[path] = _stored(inner)
    return out


def _ref(value: Any) -> ObjectId | None:
    """An echoed reference: a populated object, an id string, or null."""
    if isinstance(value, dict):
        value = value.get("_id")
    return ObjectId(value) if isinstance(value, str) else None


def _audit(actor: str, action: str, oid: ObjectId, changes: list[Doc], now: datetime) -> Doc:
    return {
        "at": now,
        "actor": actor,
        "action": action,
        "entity": "teachers",
        "entityId": str(oid),
        "changes": changes,
    }


def save_teacher(db: Db, teacher_id: str, body: Doc, version: int, actor: str, shape: Shape) -> Doc:
    """A form save (the loaded teacher echoed back, some fields changed), in one transaction:
    the versioned update returning the previous state (the unchanged stage rides in the filter,
    the unique index guards the e-mail), the populated teacher after it (an unknown school or
    project shows as a missing reference), its audit entry, the commit. Four commands."""
    oid = ObjectId(teacher_id)
    sent = {k: v for k, v in body.items() if k not in ("school", "project")}
    stage = sent.pop("pipelineStage", None)
    changes = _flatten("", sent, {})
    for name in ("school", "project"):
        if name in body:
            changes[name] = _ref(body[name])
    now = datetime.now(UTC)
    guard: Doc = {"_id": oid, **LIVE, "__v": version}
    if stage is not None:
        guard["pipelineStage"] = stage
    with db.client.start_session() as session, session.start_transaction():
        before = db.teachers.find_one_and_update(
            guard,
            {"$set": {**changes, "updatedAt": now}, "$inc": {"__v": 1}},
            projection=dict.fromkeys(changes, 1),
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
        if before is None:
            raise RuntimeError("floor: the teacher, its version or its stage changed")
        pipeline = [{"$match": {"_id": oid}}, *populate(shape)]
        after = next(iter(db.teachers.aggregate(pipeline, session=session)))
        for name in ("school", "project"):
            if changes.get(name) is not None and not isinstance(after.get(name), dict):
                raise RuntimeError(f"floor: unknown {name}")
        diff = [
            {"field": path, "before": _get(before, path), "after": value}
            for path, value in changes.items()
            if _get(before, path) != value
        ]
        db.auditlog.insert_one(_audit(actor, "update", oid, diff, now), session=session)
    return after


def _get(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def create_teacher(db: Db, body: Doc, actor: str, shape: Shape) -> Doc:
    """A create: one read of what the new teacher refers to (project active, school live, stage
    live, the last position of its column — ``$unionWith``), then one transaction writing the
    teacher and its audit entry (the unique index guards the e-mail). Four commands."""
    project, school = _ref(body.get("project")), _ref(body.get("school"))
    stage = str(body.get("pipelineStage") or UNCATEGORIZED)
    if stage == UNCATEGORIZED:
        raise ValueError("the create floor models a teacher created in a live stage")

    def one(collection: str, match: Doc, fields: tuple[str, ...], kind: str) -> Doc:
        return {
            "$unionWith": {
                "coll": collection,
                "pipeline": [
                    {"$match": match},
                    {"$project": {**dict.fromkeys(fields, 1), "kind": {"$literal": kind}}},
                ],
            }
        }

    refs: list[Doc] = [  # the indexed part first: unions do not use indexes on every engine
        {"$match": {"pipelineStage": stage, **LIVE}},
        {"$sort": {"pipelineOrder": -1, "_id": -1}},
        {"$limit": 1},
        {"$project": {"pipelineOrder": 1, "kind": {"$literal": "last"}}},
        one("projects", {"_id": project, "isActive": {"$ne": False}}, shape.project, "project"),
        one("schools", {"_id": school, **LIVE}, (*shape.school, "name"), "school"),
        one("stages", {"_id": ObjectId(stage), **LIVE}, ("_id",), "stage"),
    ]
    found = {row.pop("kind"): row for row in db.teachers.aggregate(refs)}
    if "project" not in found or (school is not None and "school" not in found):
        raise RuntimeError("floor: unknown project or school")
    if "stage" not in found:
        raise RuntimeError("floor: unknown stage")
    now = datetime.now(UTC)
    doc = {
        k: _stored(v)
        for k, v in body.items()
        if k not in READ_ONLY and k not in ("school", "project")
    }
    if "school" in found:
        doc.setdefault("personalInfo", {})["serviceSchool"] = found["school"]["name"]["chinese"]
    doc.setdefault("documents", {k: {"status": "missing"} for k in DOCUMENT_TYPES})
    doc |= {
        "school": school,
        "project": project,
        "pipelineStage": stage,
        "pipelineOrder": int(found.get("last", {}).get("pipelineOrder", -1)) + 1,
        "documentBoxes": [],
        "otherDocuments": [],
        "stageHistory": [{"from": None, "to": stage, "at": now, "by": actor}],
        "isDeleted": False,
        "createdAt": now,
        "updatedAt": now,
        "__v": 0,
    }
    with db.client.start_session() as session, session.start_transaction():
        db.teachers.insert_one(doc, session=session)
        entry = _audit(actor, "create", doc["_id"], [], now)
        db.auditlog.insert_one(entry, session=session)
    return {**doc, "school": found.get("school"), "project": found["project"]}
