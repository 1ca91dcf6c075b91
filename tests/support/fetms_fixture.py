"""A database the way the original FETMS (Express + Mongoose 9) leaves it.

* Indexes as Mongoose builds them from the schemas: ``field_1`` names (``a_1_b_-1`` for compound
  keys), ``unique`` without any collation, created at model compile time
  (``MONGOOSE_INDEXES`` lists them per collection, in the order Mongoose sends them).
* Documents with Mongoose's field shapes: ``__v: 0``, ``createdAt``/``updatedAt`` from
  ``timestamps``, defaults applied (``remarks: ''``, ``documents.*.status: 'missing'``,
  ``pipelineStage: 'uncategorized'``, ``pipelineOrder: 0``, ``isDeleted: false``,
  ``hasSalaryIncrease: false``), ``_id`` on box and ad-hoc subdocuments, no ``_id`` on the core
  documents, stages without ``isEmployed``, alert rules with ``emailEnabled``, ``DATE_THRESHOLD``
  values as Dates or as the string a JSON client sent (``value`` is ``Mixed``), files under
  ``uploads/<name>``, and the values FETMS's forms and CSV import let through (gender ``Others``,
  free-text ``emergencyContact.email``, seniority ``"1 Year"``, a legacy stage title as
  ``pipelineStage``…).

Everything is generated from a seed, relative to a fixed ``today``: the same call builds the same
database. ``write_upload_files`` puts the referenced files in a FETMS ``backend/uploads`` folder.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId

from tests.support.factories import FIXED_NOW

MongooseIndex = tuple[list[tuple[str, int]], dict[str, Any]]

MONGOOSE_INDEXES: dict[str, list[MongooseIndex]] = {
    # Project: code {unique, uppercase}; ProjectSchema.index({isActive: 1})
    "projects": [([("code", 1)], {"unique": True}), ([("isActive", 1)], {})],
    # School: schoolSchema.index() on name.chinese, name.english, isDeleted
    "schools": [
        ([("name.chinese", 1)], {}),
        ([("name.english", 1)], {}),
        ([("isDeleted", 1)], {}),
    ],
    # Teacher: email {unique}, project {index}, isDeleted {index}; then TeacherSchema.index()
    "teachers": [
        ([("email", 1)], {"unique": True}),
        ([("project", 1)], {}),
        ([("isDeleted", 1)], {}),
        ([("firstName", 1)], {}),
        ([("lastName", 1)], {}),
        ([("personalInfo.nationality.english", 1)], {}),
    ],
}
"""What Mongoose's ``autoIndex`` creates for FETMS's models (stages and alert rules have none)."""


def mongoose_name(keys: list[tuple[str, int]]) -> str:
    """Mongoose (the MongoDB driver) names an index ``<field>_<direction>`` joined by ``_``."""
    return "_".join(f"{name}_{direction}" for name, direction in keys)


def mongoose_index_names() -> list[str]:
    """``collection.name`` of every index Mongoose builds for FETMS."""
    return sorted(
        f"{collection}.{mongoose_name(keys)}"
        for collection, specs in MONGOOSE_INDEXES.items()
        for keys, _ in specs
    )


def create_mongoose_indexes(db: Any) -> list[str]:
    """Create FETMS's indexes as Mongoose does; returns ``collection.name`` of each."""
    created = []
    for collection, specs in MONGOOSE_INDEXES.items():
        for keys, options in specs:
            name = mongoose_name(keys)
            db[collection].create_index(keys, name=name, background=True, **options)
            created.append(f"{collection}.{name}")
    for collection in ("stages", "alertrules"):
        if collection not in db.list_collection_names():
            db.create_collection(collection)
    return created


STAGE_TITLES = (
    "New Applicants",
    "Interview",
    "Document Review",
    "Visa Processing",
    "Employed",
    "Employed - Renewal",
    "Resigned",
)
"""FETMS's employed stage is the *first* whose title contains "Employed"."""

NATIONALITIES = ("USA", "Canada", "UK", "South Africa", "Ireland", "usa", None, "")
GENDERS = ("Male", "Female", "Others", "male", None, "")
DEGREES = ("Bachelor", "Master", "PhD", "bachelor", None, "")
HIRING = ("Newly Hired", "Re-Hired", None)
SALARIES: tuple[Any, ...] = (
    None, 0, 45000, 59999, 60000, 65000.5, 69999, 70000, 79999, 80000, 85000, 89999, 90000,
    120000, -5,
)  # fmt: skip
SENIORITIES: tuple[Any, ...] = (
    "0 Years", "1 Year", "2 Years", "5 years", "9 Years", "10 Years", "12 Years", "3", "",
    "N/A", None, "Year 4 (3 years at previous school)",
)  # fmt: skip
EXPIRY_OFFSETS: tuple[int | None, ...] = (
    -400, -30, -1, 0, 1, 5, 29, 30, 31, 60, 89, 90, 91, 150, 200, 400, None,
)  # fmt: skip
EMERGENCY_EMAILS = ("mum@example.com", "same as above", "ask the office", "", None)


@dataclass
class FetmsFixture:
    today: datetime
    project_ids: dict[str, ObjectId] = field(default_factory=dict)
    stage_ids: list[ObjectId] = field(default_factory=list)
    school_ids: list[ObjectId] = field(default_factory=list)
    rule_ids: list[ObjectId] = field(default_factory=list)
    teacher_ids: list[ObjectId] = field(default_factory=list)
    upload_paths: list[str] = field(default_factory=list)


def _stamp(doc: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {**doc, "createdAt": at, "updatedAt": at, "__v": 0}


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def build_fetms_database(
    db: Any,
    *,
    teachers: int = 120,
    today: datetime = FIXED_NOW,
    seed: int = 13,
    indexes: bool = True,
) -> FetmsFixture:
    """Fill ``db`` like FETMS would (``indexes=False`` leaves the indexes alone)."""
    rng = random.Random(seed)
    day = _midnight(today)
    clock = day - timedelta(days=700)
    fixture = FetmsFixture(today=today)
    if indexes:
        create_mongoose_indexes(db)

    def tick() -> datetime:
        nonlocal clock
        clock += timedelta(minutes=rng.randint(1, 200))
        return clock

    for code, name in (("TFETP", "Taiwan Foreign English Teacher Program"), ("INDEPENDENT", "")):
        doc = _stamp(
            {"name": name or "Independent", "code": code, "description": "", "isActive": True},
            tick(),
        )
        fixture.project_ids[code] = db.projects.insert_one(doc).inserted_id
    for order, title in enumerate(STAGE_TITLES):
        fixture.stage_ids.append(
            db.stages.insert_one(_stamp({"title": title, "order": order}, tick())).inserted_id
        )
    for rule in _rules(day):
        fixture.rule_ids.append(db.alertrules.insert_one(_stamp(rule, tick())).inserted_id)
    schools = [_school(index, rng, tick()) for index in range(12)]
    fixture.school_ids = list(db.schools.insert_many(schools).inserted_ids)
    docs = []
    for index in range(teachers):
        doc = _teacher(index, rng, fixture, day, tick())
        doc["_id"] = ObjectId()  # in insertion order, as the driver makes them
        docs.append(doc)
        fixture.upload_paths.extend(_upload_paths(doc))
    if docs:
        fixture.teacher_ids = list(db.teachers.insert_many(docs).inserted_ids)
    return fixture


def _rules(day: datetime) -> list[dict[str, Any]]:
    base = {"isActive": True, "emailEnabled": False}
    return [
        {
            **base,
            "name": "ARC Expiring (90 days)",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 90,
        },
        {
            **base,
            "name": "ARC Expiring (30 days)",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 30,
        },
        {
            **base,
            "name": "Work Permit Expiring (90 days)",
            "documentType": "workPermitDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 90,
        },
        {
            **base,
            "name": "Passport Expiring (90 days)",
            "documentType": "passportDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 90,
        },
        {
            **base,
            "name": "End of Year Check",
            "documentType": "arcDetails",
            "conditionType": "DATE_THRESHOLD",
            "value": datetime(day.year, 12, 31, tzinfo=UTC),
        },
        {
            **base,
            "name": "Licence renewal",
            "documentType": "teachingLicense",
            "conditionType": "DATE_THRESHOLD",
            "value": (day + timedelta(days=120)).date().isoformat(),
        },
        {
            **base,
            "name": "Passport (off)",
            "documentType": "passportDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 3650,
            "isActive": False,
        },
    ]


def _school(index: int, rng: random.Random, at: datetime) -> dict[str, Any]:
    return _stamp(
        {
            "name": {"chinese": f"測試{index}國小", "english": f"Test {index} Elementary School"},
            "address": {"chinese": f"台北市{index}路", "english": f"{index} Road, Taipei"},
            "principal": {"chineseName": f"校長{index}", "englishName": f"Principal {index}"},
            "contact": {
                "name": f"Contact {index}",
                "position": "Director of Academic Affairs",
                "email": rng.choice(["office@school.edu.tw", "see principal", ""]),
                "phone": f"02-2{index:03d}-0000",
            },
            "isDeleted": index == 11,
        },
        at,
    )


def _expiry(rng: random.Random, day: datetime) -> datetime | None:
    offset = rng.choice(EXPIRY_OFFSETS)
    if offset is None:
        return None
    moment = day + timedelta(days=offset)
    return moment + timedelta(hours=10) if rng.random() < 0.1 else moment


def _teacher(
    index: int, rng: random.Random, fixture: FetmsFixture, day: datetime, at: datetime
) -> dict[str, Any]:
    stages = [str(s) for s in fixture.stage_ids]
    school = rng.choice([*fixture.school_ids, None, None])
    passport_file = f"uploads/{1700000000000 + index}-passport.pdf" if index % 4 == 0 else None
    doc: dict[str, Any] = {
        "firstName": f"Teacher{index:04d}",
        "lastName": rng.choice(["Smith", "Jones", "Brown", "van der Berg", "O'Neil "]),
        "email": f"teacher{index:04d}@example.org" if index % 7 else f"T{index:04d}@Example.org",
        "remarks": "",
        "project": fixture.project_ids["TFETP" if index % 5 else "INDEPENDENT"],
        "personalInfo": {
            "chineseName": f"老師{index}",
            "englishName": f"Teacher {index}",
            "serviceSchool": f"測試{fixture.school_ids.index(school)}國小" if school else "",
            "nationality": {"english": rng.choice(NATIONALITIES), "chinese": ""},
            "phone": f"+886 9{index:08d}",
            "dob": day - timedelta(days=9000 + index),
            "gender": rng.choice(GENDERS),
            "address": {"taiwan": "Taipei", "home": "Somewhere"},
        },
        "emergencyContact": {
            "name": "Parent",
            "relationship": "Mother",
            "phone": "+1 555 0100",
            "email": rng.choice(EMERGENCY_EMAILS),
        },
        "passportDetails": {"number": f"P{index:07d}", "issuingCountry": "USA"},
        "education": {"degree": rng.choice(DEGREES), "major": "English", "school": "State U"},
        "teachingLicense": {},
        "criminalRecord": {"issueDate": day - timedelta(days=100)},
        "workPermitDetails": {"permitNumber": f"WP{index}"},
        "contractDetails": {
            "senioritySalary": rng.choice(SENIORITIES),
            "seniorityLeave": "1 Year",
            "salary": rng.choice(SALARIES),
            "hasSalaryIncrease": False,
        },
        "arcDetails": {"purpose": "Employment"},
        "documents": {
            "passport": {"status": "valid", "filePath": passport_file, "number": f"P{index:07d}"}
            if passport_file
            else {"status": "missing"},
            "arc": {"status": "missing"},
            "contract": {"status": "missing"},
            "workPermit": {"status": "missing"},
        },
        "documentBoxes": [],
        "otherDocuments": [],
        "pipelineStage": rng.choice([*stages, *stages, "uncategorized", "Stage 1"]),
        "pipelineOrder": rng.choice([0, 0, 1, 2, 3, 5]),
        "isDeleted": index % 23 == 22,
    }
    hiring = rng.choice(HIRING)
    if hiring is not None:
        doc["personalInfo"]["hiringStatus"] = hiring
    if school is not None:
        doc["school"] = school
    if index % 6 == 0:
        doc["profilePicture"] = f"uploads/{1700000000000 + index}-avatar.png"
    if index % 9 == 0:
        box = ObjectId()
        doc["documentBoxes"] = [{"_id": box, "name": "Contracts", "order": 0}]
        doc["otherDocuments"] = [
            {
                "_id": ObjectId(),
                "name": "Signed contract",
                "filePath": f"uploads/{1700000000000 + index}-contract.pdf",
                "uploadDate": at,
                "boxId": str(box),
            }
        ]
    for section in ("arcDetails", "workPermitDetails", "passportDetails", "teachingLicense"):
        expiry = _expiry(rng, day)
        if expiry is not None:
            doc[section]["expiryDate"] = expiry
    return _stamp(doc, at)


def _upload_paths(doc: dict[str, Any]) -> list[str]:
    paths = [doc.get("profilePicture")]
    paths += [(d or {}).get("filePath") for d in doc["documents"].values()]
    paths += [d.get("filePath") for d in doc["otherDocuments"]]
    return [p for p in paths if p]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"%" * 64


def write_upload_files(fixture: FetmsFixture, directory: Path, *, leave_out: int = 1) -> Path:
    """FETMS's ``backend/uploads`` with every referenced file but the last ``leave_out``."""
    uploads = directory / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    keep = fixture.upload_paths[: len(fixture.upload_paths) - leave_out]
    for path in keep:
        name = path.split("/", 1)[1]
        (uploads / name).write_bytes(PNG if name.endswith(".png") else PDF)
    return uploads
