"""Seed a database with N realistic FETMS teachers (plus schools, projects, stages, alert rules).

    python -m bench.seed --mongo-uri mongodb://127.0.0.1:27018/?directConnection=true --n 10000

Deterministic for a given ``--seed``; expiry dates are spread over ±2 years around ``--today``.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import MongoClient

from chalicelib.db import INDEXES, Db, ensure_indexes

NATIONALITIES = [
    ("USA", "美國", 30),
    ("Canada", "加拿大", 20),
    ("UK", "英國", 15),
    ("South Africa", "南非", 12),
    ("Australia", "澳洲", 8),
    ("Ireland", "愛爾蘭", 6),
    ("New Zealand", "紐西蘭", 5),
    (None, None, 4),
]
DEGREES = [("Bachelor", 60), ("Master", 25), ("PhD", 3), ("Associate", 4), (None, 8)]
GENDERS = [("Female", 48), ("Male", 46), ("Other", 2), (None, 4)]
HIRING = [("Newly Hired", 55), ("Re-Hired", 40), (None, 5)]
STAGES = [
    ("Applied", False),
    ("Screening", False),
    ("Interview", False),
    ("Offer", False),
    ("Onboarding", False),
    ("Employed", True),
]
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn"]
LAST = ["Smith", "Brown", "Nguyen", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Green"]
BATCH = 2000


def pick(rng: random.Random, weighted: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


@dataclass
class World:
    stage_ids: list[str]
    school_ids: list[ObjectId]
    school_names: list[str]
    project_ids: list[ObjectId]


def reset(db: Db) -> None:
    for name in ("teachers", "schools", "projects", "stages", "alertrules"):
        db[name].drop()
    ensure_indexes(db, INDEXES)


def seed_reference(db: Db, rng: random.Random, n: int, today: datetime) -> World:
    stage_docs: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "title": title,
            "order": i,
            "isEmployed": employed,
            "createdAt": today,
            "updatedAt": today,
            "__v": 0,
        }
        for i, (title, employed) in enumerate(STAGES)
    ]
    db.stages.insert_many(stage_docs)
    schools = max(10, n // 40)
    school_docs: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "name": {"chinese": f"第{i}國民小學", "english": f"School No. {i}"},
            "isDeleted": False,
            "createdAt": today,
            "updatedAt": today,
            "__v": 0,
        }
        for i in range(schools)
    ]
    db.schools.insert_many(school_docs)
    project_docs: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "name": name,
            "code": code,
            "isActive": True,
            "createdAt": today,
            "updatedAt": today,
            "__v": 0,
        }
        for code, name in (
            ("TFETP", "Taiwan FET Program"),
            ("KFET", "Kaohsiung FET"),
            ("NTP", "NT"),
        )
    ]
    db.projects.insert_many(project_docs)
    rules = [
        ("ARC 30 days", "arcDetails", "DAYS_REMAINING", 30),
        ("ARC 90 days", "arcDetails", "DAYS_REMAINING", 90),
        ("Work permit 60 days", "workPermitDetails", "DAYS_REMAINING", 60),
        ("Passport 180 days", "passportDetails", "DAYS_REMAINING", 180),
        ("Licence before term", "teachingLicense", "DATE_THRESHOLD", today + timedelta(days=75)),
    ]
    db.alertrules.insert_many(
        [
            {
                "name": name,
                "documentType": doc_type,
                "conditionType": condition,
                "value": value,
                "isActive": True,
                "createdAt": today,
                "updatedAt": today,
                "__v": 0,
            }
            for name, doc_type, condition, value in rules
        ]
    )
    return World(
        stage_ids=[str(s["_id"]) for s in stage_docs],
        school_ids=[s["_id"] for s in school_docs],
        school_names=[s["name"]["chinese"] for s in school_docs],
        project_ids=[p["_id"] for p in project_docs],
    )


def teacher(rng: random.Random, i: int, world: World, today: datetime) -> dict[str, Any]:
    def when(spread_days: int = 730) -> datetime:
        return today + timedelta(days=rng.randint(-spread_days, spread_days))

    english, chinese, _ = pick(rng, NATIONALITIES)
    school_index = rng.randrange(len(world.school_ids)) if rng.random() < 0.8 else None
    stage = rng.choice([*world.stage_ids, "uncategorized"])
    salary: Any = rng.choice([None, *range(36_000, 96_000, 1_000)])
    seniority: Any = rng.choice([None, "", *[f"{y} Years" for y in range(0, 15)]])
    first, last = rng.choice(FIRST), rng.choice(LAST)
    contract_start = when(365)
    return {
        "firstName": first,
        "lastName": f"{last}{i}",
        "email": f"{first.lower()}.{last.lower()}.{i}@example.org",
        "school": world.school_ids[school_index] if school_index is not None else None,
        "project": rng.choice(world.project_ids),
        "personalInfo": {
            "englishName": f"{first} {last}",
            "serviceSchool": world.school_names[school_index] if school_index is not None else None,
            "nationality": {"english": english, "chinese": chinese},
            "gender": pick(rng, GENDERS)[0],
            "hiringStatus": pick(rng, HIRING)[0],
            "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
            "dob": today - timedelta(days=rng.randint(22 * 365, 60 * 365)),
        },
        "passportDetails": {"number": f"P{rng.randint(10**7, 10**8)}", "expiryDate": when()},
        "arcDetails": {"expiryDate": when(), "purpose": "Employment"},
        "workPermitDetails": {"expiryDate": when(), "permitNumber": f"WP{i}"},
        "teachingLicense": {"expiryDate": when()},
        "education": {"degree": pick(rng, DEGREES)[0], "major": "English", "school": "University"},
        "contractDetails": {
            "contractStartDate": contract_start,
            "contractEndDate": contract_start + timedelta(days=365),
            "salary": salary,
            "senioritySalary": seniority,
            "seniorityLeave": seniority,
        },
        "documents": {
            kind: {"status": rng.choice(["missing", "valid", "expired"])}
            for kind in ("passport", "arc", "contract", "workPermit")
        },
        "documentBoxes": [],
        "otherDocuments": [],
        "pipelineStage": stage,
        "pipelineOrder": i,
        "stageHistory": [{"from": None, "to": stage, "at": today, "by": "seed"}],
        "isDeleted": rng.random() < 0.02,
        "createdAt": today - timedelta(minutes=i),
        "updatedAt": today,
        "__v": 0,
    }


def seed(db: Db, n: int, *, seed_value: int = 42, today: datetime | None = None) -> World:
    moment = today or datetime(2026, 6, 15, tzinfo=UTC)
    rng = random.Random(seed_value)
    reset(db)
    world = seed_reference(db, rng, n, moment)
    batch: list[dict[str, Any]] = []
    for i in range(n):
        batch.append(teacher(rng, i, world, moment))
        if len(batch) >= BATCH:
            db.teachers.insert_many(batch, ordered=False)
            batch = []
    if batch:
        db.teachers.insert_many(batch, ordered=False)
    return world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--db", default="fetms_bench")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    client: MongoClient[dict[str, Any]] = MongoClient(args.mongo_uri, tz_aware=True)
    seed(client[args.db], args.n, seed_value=args.seed)
    print(f"seeded {args.n} teachers into {args.db}")
    client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
