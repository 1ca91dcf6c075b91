"""Default data for an empty database: pipeline stages and alert rules."""

from __future__ import annotations

from chalicelib.db import ALERT_RULES, STAGES, Db
from chalicelib.services.common import stamp_new

DEFAULT_STAGES: tuple[tuple[str, bool], ...] = (
    ("New Applicants", False),
    ("Screening", False),
    ("Interview", False),
    ("Offer", False),
    ("Onboarding", False),
    ("Employed", True),
)

DEFAULT_ALERT_RULES: tuple[tuple[str, str, int], ...] = (
    ("ARC expires within 60 days", "arcDetails", 60),
    ("Work permit expires within 60 days", "workPermitDetails", 60),
    ("Passport expires within 180 days", "passportDetails", 180),
    ("Teaching license expires within 90 days", "teachingLicense", 90),
)


def seed_defaults(db: Db) -> dict[str, int]:
    """Insert default stages and alert rules when their collections are empty."""
    inserted = {"stages": 0, "alertRules": 0}
    if db[STAGES].estimated_document_count() == 0:
        docs = [
            stamp_new({"title": title, "order": i, "isEmployed": employed})
            for i, (title, employed) in enumerate(DEFAULT_STAGES)
        ]
        db[STAGES].insert_many(docs)
        inserted["stages"] = len(docs)
    if db[ALERT_RULES].estimated_document_count() == 0:
        rules = [
            stamp_new(
                {
                    "name": name,
                    "documentType": doc_type,
                    "conditionType": "DAYS_REMAINING",
                    "value": days,
                    "isActive": True,
                }
            )
            for name, doc_type, days in DEFAULT_ALERT_RULES
        ]
        db[ALERT_RULES].insert_many(rules)
        inserted["alertRules"] = len(rules)
    return inserted
