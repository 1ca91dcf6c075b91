"""Spreadsheet columns of teachers and schools: what the export writes and the import reads.

Each column has FETMS's dot-notation path (``personalInfo.nationality.english``, the header of
FETMS's CSV import and of our export) and a human label (``Nationality``, the header of an export
with ``headers=labels``); the import accepts either, ignoring case and spacing. ``kind`` tells the
import how to read a cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "date", "number", "bool", "school", "project", "stage", "ignored"]


@dataclass(frozen=True)
class Column:
    path: str
    label: str
    kind: Kind = "text"


TEACHER_COLUMNS: tuple[Column, ...] = (
    Column("_id", "ID", "ignored"),
    Column("firstName", "First name"),
    Column("middleName", "Middle name"),
    Column("lastName", "Last name"),
    Column("email", "Email"),
    Column("school", "School", "school"),
    Column("project", "Project", "project"),
    Column("pipelineStage", "Stage", "stage"),
    Column("personalInfo.chineseName", "Chinese name"),
    Column("personalInfo.englishName", "English name"),
    Column("personalInfo.serviceSchool", "Service school"),
    Column("personalInfo.nationality.english", "Nationality"),
    Column("personalInfo.nationality.chinese", "Nationality (Chinese)"),
    Column("personalInfo.phone", "Phone"),
    Column("personalInfo.dob", "Date of birth", "date"),
    Column("personalInfo.gender", "Gender"),
    Column("personalInfo.address.taiwan", "Address in Taiwan"),
    Column("personalInfo.address.home", "Home address"),
    Column("personalInfo.hiringStatus", "Hiring status"),
    Column("emergencyContact.name", "Emergency contact"),
    Column("emergencyContact.relationship", "Emergency contact relationship"),
    Column("emergencyContact.phone", "Emergency contact phone"),
    Column("emergencyContact.email", "Emergency contact email"),
    Column("passportDetails.number", "Passport number"),
    Column("passportDetails.expiryDate", "Passport expiry date", "date"),
    Column("passportDetails.issuingCountry", "Passport issuing country"),
    Column("passportDetails.issuingAuthority", "Passport issuing authority"),
    Column("passportDetails.issueDate", "Passport issue date", "date"),
    Column("education.degree", "Degree"),
    Column("education.major", "Major"),
    Column("education.school", "University"),
    Column("teachingLicense.expiryDate", "Teaching license expiry date", "date"),
    Column("criminalRecord.issueDate", "Criminal record issue date", "date"),
    Column("workPermitDetails.issueDate", "Work permit issue date", "date"),
    Column("workPermitDetails.expiryDate", "Work permit expiry date", "date"),
    Column("workPermitDetails.startDate", "Work permit start date", "date"),
    Column("workPermitDetails.permitNumber", "Work permit number"),
    Column("contractDetails.contractStartDate", "Contract start date", "date"),
    Column("contractDetails.contractEndDate", "Contract end date", "date"),
    Column("contractDetails.payStartDate", "Pay start date", "date"),
    Column("contractDetails.payEndDate", "Pay end date", "date"),
    Column("contractDetails.senioritySalary", "Seniority (salary)"),
    Column("contractDetails.seniorityLeave", "Seniority (leave)"),
    Column("contractDetails.salary", "Salary", "number"),
    Column("contractDetails.hasSalaryIncrease", "Salary increase", "bool"),
    Column("contractDetails.salaryIncreaseDate", "Salary increase date", "date"),
    Column("contractDetails.estimatedPromotedSalary", "Estimated promoted salary", "number"),
    Column("arcDetails.expiryDate", "ARC expiry date", "date"),
    Column("arcDetails.purpose", "ARC purpose"),
    Column("remarks", "Remarks"),
    Column("createdAt", "Created", "ignored"),
)

SCHOOL_COLUMNS: tuple[Column, ...] = (
    Column("_id", "ID", "ignored"),
    Column("name.chinese", "Chinese name"),
    Column("name.english", "English name"),
    Column("address.chinese", "Address (Chinese)"),
    Column("address.english", "Address (English)"),
    Column("principal.chineseName", "Principal (Chinese name)"),
    Column("principal.englishName", "Principal (English name)"),
    Column("contact.name", "Contact"),
    Column("contact.position", "Contact position"),
    Column("contact.email", "Contact email"),
    Column("contact.phone", "Contact phone"),
    Column("createdAt", "Created", "ignored"),
)

SERVER_MANAGED = (
    "updatedAt",
    "__v",
    "isDeleted",
    "deletedAt",
    "deletedBy",
    "pipelineOrder",
    "profilePicture",
    "documentBoxes",
    "otherDocuments",
    "documentHistory",
    "stageHistory",
    "employedTeachers",
)
"""Columns a FETMS or API dump may carry that only the server writes: read and ignored."""
SERVER_MANAGED_PREFIXES = ("documents.",)


def _key(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.replace("\ufeff", "")).strip().lower()


def columns_for(kind: str) -> tuple[Column, ...]:
    return TEACHER_COLUMNS if kind == "teachers" else SCHOOL_COLUMNS


def find_column(kind: str, header: str) -> Column | None:
    """The column a header names (its path or its label, ignoring case and spacing); a
    server-managed column is returned as ``ignored``; None for an unknown header."""
    wanted = _key(header)
    for column in columns_for(kind):
        if wanted in (_key(column.path), _key(column.label)):
            return column
    path = header.strip()
    if path in SERVER_MANAGED or path.startswith(SERVER_MANAGED_PREFIXES):
        return Column(path, path, "ignored")
    return None
