"""Factories for test data, inserted straight into the database (FETMS document shapes)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

FIXED_NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
"""A fixed "today" for expiry logic in tests."""

_counter = itertools.count(1)


def teacher_doc(**overrides: Any) -> dict[str, Any]:
    """A FETMS-shaped teacher document; nested overrides replace whole sections."""
    n = next(_counter)
    doc: dict[str, Any] = {
        "firstName": f"Teacher{n}",
        "lastName": "Example",
        "email": f"teacher{n}@example.org",
        "personalInfo": {
            "englishName": f"Teacher{n} Example",
            "nationality": {"english": "Canada", "chinese": "加拿大"},
            "gender": "Female",
            "hiringStatus": "Newly Hired",
        },
        "documents": {
            "passport": {"status": "missing"},
            "arc": {"status": "missing"},
            "contract": {"status": "missing"},
            "workPermit": {"status": "missing"},
        },
        "documentBoxes": [],
        "otherDocuments": [],
        "pipelineStage": "uncategorized",
        "pipelineOrder": 0,
        "isDeleted": False,
        "createdAt": FIXED_NOW,
        "updatedAt": FIXED_NOW,
        "__v": 0,
    }
    doc.update(overrides)
    return doc


def make_teacher(db: Any, **overrides: Any) -> dict[str, Any]:
    """Insert a teacher and return the stored document (with ``_id``)."""
    doc = teacher_doc(**overrides)
    db.teachers.insert_one(doc)
    return doc


def make_school(
    db: Any, chinese: str = "測試國小", english: str = "Test Elementary"
) -> dict[str, Any]:
    doc = {
        "name": {"chinese": chinese, "english": english},
        "isDeleted": False,
        "createdAt": FIXED_NOW,
        "updatedAt": FIXED_NOW,
        "__v": 0,
    }
    db.schools.insert_one(doc)
    return doc


def make_project(db: Any, code: str = "TFETP", name: str = "Taiwan FET Program") -> dict[str, Any]:
    doc = {
        "name": name,
        "code": code,
        "isActive": True,
        "createdAt": FIXED_NOW,
        "updatedAt": FIXED_NOW,
        "__v": 0,
    }
    db.projects.insert_one(doc)
    return doc


def oid() -> str:
    return str(ObjectId())
