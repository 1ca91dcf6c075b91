"""Demo data for a local stack or a demo stage: projects, schools and FETMS-shaped teachers.

Deterministic (seeded random), so screenshots and walkthroughs are repeatable. Refuses a database
that already holds teachers: demo data never mixes with real data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.db import PROJECTS, SCHOOLS, STAGES, TEACHERS, Db, Document
from chalicelib.errors import Conflict
from chalicelib.services.common import stamp_new, utcnow
from chalicelib.services.seed import seed_defaults

FIRST = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Zoe", "Jack", "Grace")
LAST = ("Smith", "Brown", "Wilson", "Taylor", "Martin", "Clarke", "Walker", "Young", "King")
NATIONALITIES = (
    ("United States", "美國"),
    ("Canada", "加拿大"),
    ("United Kingdom", "英國"),
    ("Australia", "澳洲"),
    ("New Zealand", "紐西蘭"),
    ("South Africa", "南非"),
    ("Ireland", "愛爾蘭"),
)
SCHOOLS_DEMO = (
    ("中正國小", "Zhongzheng Elementary"),
    ("仁愛國小", "Ren'ai Elementary"),
    ("信義國中", "Xinyi Junior High"),
    ("光復國小", "Guangfu Elementary"),
    ("民生國中", "Minsheng Junior High"),
    ("建國高中", "Jianguo High"),
)
DEGREES = ("Bachelor", "Master", "PhD")


def seed_demo(
    db: Db,
    *,
    teachers: int = 60,
    now: datetime | None = None,
    seed: int = 20260615,
    on_teacher: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Insert defaults, two projects, schools and ``teachers`` teachers; return the counts."""
    if db[TEACHERS].count_documents({}, limit=1):
        raise Conflict(
            detail="the database already holds teachers; demo data goes into an empty one"
        )
    moment = now or utcnow()
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not security
    seed_defaults(db)
    projects = []
    for code, name in (
        ("TFETP", "Taiwan Foreign English Teacher Program"),
        ("INDEPENDENT", "Independent"),
    ):
        doc = stamp_new({"name": name, "code": code, "description": "", "isActive": True}, moment)
        db[PROJECTS].update_one({"code": code}, {"$setOnInsert": doc}, upsert=True)
        found = db[PROJECTS].find_one({"code": code}, {"_id": 1})
        assert found is not None
        projects.append(found["_id"])
    school_ids = []
    for chinese, english in SCHOOLS_DEMO:
        doc = stamp_new(
            {
                "name": {"chinese": chinese, "english": english},
                "address": {"chinese": "臺北市", "english": "Taipei City"},
                "isDeleted": False,
            },
            moment,
        )
        school_ids.append(db[SCHOOLS].insert_one(doc).inserted_id)
    stage_ids = [str(s["_id"]) for s in db[STAGES].find({}, {"_id": 1}).sort("order", 1)]
    stages = [*stage_ids, "uncategorized"]
    for n in range(teachers):
        db[TEACHERS].insert_one(_teacher(rng, n, moment, projects, school_ids, stages))
        if on_teacher is not None:
            on_teacher()
    return {"projects": len(projects), "schools": len(school_ids), "teachers": teachers}


def _day(moment: datetime, rng: random.Random, low: int, high: int) -> datetime:
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=rng.randint(low, high))


def _teacher(
    rng: random.Random,
    n: int,
    now: datetime,
    projects: list[object],
    schools: list[object],
    stages: list[str],
) -> Document:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    english, chinese = rng.choice(NATIONALITIES)
    salary = rng.choice((62000, 65000, 68000, 72000, 76000))
    contract_start = _day(now, rng, -500, -30)
    doc: Document = {
        "firstName": first,
        "lastName": last,
        "email": f"{first}.{last}.{n}@demo.example.org".lower(),
        "school": rng.choice(schools),
        "project": projects[0] if rng.random() < 0.8 else projects[1],
        "personalInfo": {
            "englishName": f"{first} {last}",
            "nationality": {"english": english, "chinese": chinese},
            "gender": rng.choice(("Female", "Male")),
            "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
            "hiringStatus": rng.choice(("Newly Hired", "Re-Hired")),
        },
        "education": {
            "degree": rng.choice(DEGREES),
            "major": "English",
            "school": "State University",
        },
        "passportDetails": {
            "number": f"P{rng.randint(1_000_000, 9_999_999)}",
            "expiryDate": _day(now, rng, -20, 2000),
        },
        "arcDetails": {"expiryDate": _day(now, rng, -15, 400), "purpose": "Employment"},
        "workPermitDetails": {"expiryDate": _day(now, rng, -10, 400), "permitNumber": f"WP{n:05d}"},
        "teachingLicense": {"expiryDate": _day(now, rng, 0, 1500)},
        "criminalRecord": {"issueDate": _day(now, rng, -400, -30)},
        "contractDetails": {
            "contractStartDate": contract_start,
            "contractEndDate": contract_start + timedelta(days=365),
            "salary": salary,
            "senioritySalary": rng.randint(0, 5),
            "hasSalaryIncrease": rng.random() < 0.3,
        },
        "documents": {
            t: {"status": "missing"} for t in ("passport", "arc", "contract", "workPermit")
        },
        "documentBoxes": [],
        "otherDocuments": [],
        "pipelineStage": rng.choice(stages),
        "pipelineOrder": n,
        "remarks": "demo data",
        "isDeleted": False,
    }
    return stamp_new(doc, now)
