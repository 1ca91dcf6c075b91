"""Daily expiry notice: one e-mail digest per configured recipient, through SES.

A notice is due for each (teacher, document, expiry date, threshold) that an active alert rule
flags (:mod:`chalicelib.services.expiry` decides, as for the dashboard). Each one is recorded in
``notifications`` with ``_id = teacher|field|date|threshold`` and the recipients it was sent to
(``sentTo``), added only after SES accepted the message: a rerun (or a retry after a failure) never
sends the same notice twice to the same recipient, and a changed expiry date is a new notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.db import NOTIFICATIONS, Db, Document
from chalicelib.observability import logger
from chalicelib.services.alert_rules import active_rules
from chalicelib.services.common import utcnow
from chalicelib.services.expiry import CATEGORIES, expiring_documents

MAX_ITEMS_PER_RULE = 5000
LABELS = {
    "arc": "ARC",
    "workPermit": "Work permit",
    "passport": "Passport",
    "teachingLicense": "Teaching licence",
    "other": "Other document",
}


@dataclass(frozen=True)
class Notice:
    id: str
    teacher_id: Any
    teacher_name: str
    teacher_email: str | None
    document_type: str
    field: str
    expiry_date: datetime
    days_remaining: int
    status: str
    threshold: str
    rule_name: str

    def line(self) -> str:
        when = self.expiry_date.date().isoformat()
        if self.status == "expired":
            state = f"EXPIRED on {when} ({-self.days_remaining} days ago)"
        else:
            state = f"expires on {when} (in {self.days_remaining} days)"
        label = LABELS.get(self.document_type, self.document_type)
        return f"- {self.teacher_name}: {label} {state} [rule: {self.rule_name}]"


def threshold_of(rule: Document) -> str:
    value = rule.get("value")
    if isinstance(value, datetime):
        value = value.date().isoformat()
    return f"{rule.get('conditionType')}:{value}"


def due_notices(db: Db, now: datetime) -> list[Notice]:
    """Every (teacher, document, expiry date, threshold) flagged today, one rule at a time."""
    notices: dict[str, Notice] = {}
    for rule in active_rules(db):
        report = expiring_documents(db, [rule], now, limit=MAX_ITEMS_PER_RULE)
        threshold = threshold_of(rule)
        for category in CATEGORIES:
            for item in report.items[category]:
                expiry: datetime = item["expiryDate"]
                key = f"{item['teacherId']}|{item['field']}|{expiry.date().isoformat()}|{threshold}"
                notices[key] = Notice(
                    id=key,
                    teacher_id=item["teacherId"],
                    teacher_name=item.get("name") or str(item["teacherId"]),
                    teacher_email=item.get("email"),
                    document_type=category,
                    field=str(item["field"]),
                    expiry_date=expiry,
                    days_remaining=int(item["daysRemaining"]),
                    status=str(item["status"]),
                    threshold=threshold,
                    rule_name=str(rule.get("name") or threshold),
                )
    return sorted(notices.values(), key=lambda n: (n.expiry_date, n.teacher_name, n.id))


def render_digest(notices: list[Notice], now: datetime) -> tuple[str, str]:
    expired = sum(1 for n in notices if n.status == "expired")
    subject = f"FETMS: {len(notices)} teacher document(s) need attention" + (
        f" ({expired} expired)" if expired else ""
    )
    lines = [
        f"Expiry notice of {now.date().isoformat()} (UTC).",
        "",
        "These documents crossed an alert rule threshold since the last notice:",
        "",
    ]
    for category in CATEGORIES:
        group = [n for n in notices if n.document_type == category]
        if not group:
            continue
        lines.append(f"{LABELS[category]} ({len(group)})")
        lines.extend(n.line() for n in group)
        lines.append("")
    lines.append("Each document is reported once per threshold; see the FETMS dashboard for all.")
    return subject, "\n".join(lines)


def run_expiry_notices(
    db: Db,
    ses: Any,
    *,
    recipients: list[str],
    sender: str,
    now: datetime | None = None,
) -> Document:
    """Send today's digests; return what was sent per recipient."""
    moment = now or utcnow()
    if not recipients:
        logger.warning("expiry notices: no NOTICE_RECIPIENTS configured; nothing sent")
        return {"due": 0, "sent": {}}
    notices = due_notices(db, moment)
    if notices:
        ids = [n.id for n in notices]
        existing = {d["_id"] for d in db[NOTIFICATIONS].find({"_id": {"$in": ids}}, {"_id": 1})}
        fresh = [n for n in notices if n.id not in existing]
        if fresh:
            db[NOTIFICATIONS].insert_many(
                [
                    {
                        "_id": n.id,
                        "kind": "expiry",
                        "teacher": n.teacher_id,
                        "documentType": n.document_type,
                        "field": n.field,
                        "expiryDate": n.expiry_date,
                        "threshold": n.threshold,
                        "ruleName": n.rule_name,
                        "createdAt": moment,
                        "sentTo": [],
                    }
                    for n in fresh
                ],
                ordered=False,
            )
    sent: dict[str, int] = {}
    for recipient in recipients:
        already = {
            d["_id"]
            for d in db[NOTIFICATIONS].find(
                {"_id": {"$in": [n.id for n in notices]}, "sentTo": recipient}, {"_id": 1}
            )
        }
        todo = [n for n in notices if n.id not in already]
        if not todo:
            sent[recipient] = 0
            continue
        subject, body = render_digest(todo, moment)
        ses.send_email(
            Source=sender,
            Destination={"ToAddresses": [recipient]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
        db[NOTIFICATIONS].update_many(
            {"_id": {"$in": [n.id for n in todo]}},
            {"$addToSet": {"sentTo": recipient}, "$set": {"lastSentAt": moment}},
        )
        sent[recipient] = len(todo)
    logger.info("expiry notices sent", extra={"due": len(notices), "perRecipient": sent})
    return {"due": len(notices), "sent": sent}
