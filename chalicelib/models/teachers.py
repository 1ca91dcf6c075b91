"""Teachers: the full FETMS profile, its partial update, list/export filters and outputs.

Conventions for FETMS form compatibility: an empty string sent for a date, a number or an enum
means "no value" (``None``); numeric strings are accepted for salaries. File paths and upload
metadata (``documents.*.filePath/fileName/contentType/size/uploadedAt``, ``profilePicture``,
``documentBoxes``, ``otherDocuments``, ``documentHistory``) and server fields (``_id``, ``__v``,
timestamps, ``stageHistory``...) may be echoed back by a client that sends a whole loaded
teacher, but they are ignored: only the documents routes write them.

Every value the original FETMS schema could store is valid input (issue 13): free-text gender
(its form offers ``Others``), free-text ``emergencyContact.email``, any hiring status text (the
two known ones are normalised), any e-mail text on update (new teachers still need a valid
address: it is how imports find them), negative salaries, seniority as text. What stays stricter
guards the database: types, sizes, operator keys, control characters.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, EmailStr, Field

from chalicelib.models.base import (
    InputModel,
    LongText,
    ObjectIdStr,
    OutputModel,
    PresentOut,
    QueryModel,
    ShortText,
    UtcDateTime,
)
from chalicelib.models.common import SoftDeletableOut
from chalicelib.models.echo import Ignored, StoredEcho

MAX_SALARY = 100_000_000
MAX_REORDER = 1000


class HiringStatus(StrEnum):
    NEWLY_HIRED = "Newly Hired"
    RE_HIRED = "Re-Hired"


class Gender(StrEnum):
    """The values forms offer (FETMS: Male / Female / Others); any short text is stored."""

    MALE = "Male"
    FEMALE = "Female"
    OTHERS = "Others"


class DocumentStatus(StrEnum):
    MISSING = "missing"
    VALID = "valid"
    EXPIRED = "expired"


class ExpiringDocument(StrEnum):
    """Document types with an expiry date (keys of the dashboard ``expiry`` section)."""

    ARC = "arc"
    WORK_PERMIT = "workPermit"
    PASSPORT = "passport"
    TEACHING_LICENSE = "teachingLicense"


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def _number(value: Any) -> Any:
    """``""`` → None; ``"60000"``/``"60,000"`` → 60000 (FETMS forms send strings)."""
    value = _blank_to_none(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            number = float(text)
        except ValueError as exc:
            raise ValueError("must be a number") from exc
        return int(number) if number.is_integer() else number
    return value


_HIRING_SPELLINGS = {
    "newlyhired": HiringStatus.NEWLY_HIRED.value,
    "rehired": HiringStatus.RE_HIRED.value,
}


def _hiring_status(value: Any) -> Any:
    """The two FETMS values in any spelling (``Re-hired`` → ``Re-Hired``); other text as sent."""
    value = _blank_to_none(value)
    if isinstance(value, str):
        key = "".join(ch for ch in value.lower() if ch.isalpha())
        return _HIRING_SPELLINGS.get(key, value.strip())
    return value


def _seniority(value: Any) -> Any:
    """FETMS stores seniority as text (``"3 Years"``); a number becomes its text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _ref_id(value: Any) -> Any:
    """A reference sent as an id, ``""``/null (none) or a populated object with ``_id``."""
    value = _blank_to_none(value)
    if isinstance(value, dict) and isinstance(value.get("_id"), str):
        return value["_id"]
    return value


OptDate = Annotated[UtcDateTime | None, BeforeValidator(_blank_to_none)]
Money = Annotated[
    Annotated[float | int, Field(ge=-MAX_SALARY, le=MAX_SALARY)] | None,
    BeforeValidator(_number),
]
OptHiring = Annotated[
    Annotated[str, Field(max_length=50, examples=[h.value for h in HiringStatus])] | None,
    BeforeValidator(_hiring_status),
]
OptGender = Annotated[
    Annotated[str, Field(max_length=50, examples=[g.value for g in Gender])] | None,
    BeforeValidator(_blank_to_none),
]
OptStatus = Annotated[DocumentStatus | None, BeforeValidator(_blank_to_none)]
FreeEmail = Annotated[str, Field(max_length=254)]
"""An e-mail as FETMS stored it: any text (its forms did not check addresses)."""
RefId = Annotated[ObjectIdStr | None, BeforeValidator(_ref_id)]
Remarks = Annotated[str, Field(max_length=20_000)]
"""Free notes: FETMS set no limit; bounded generously (the body limit still applies)."""
Seniority = Annotated[ShortText | None, BeforeValidator(_seniority), Field(default=None)]


class Nationality(InputModel):
    chinese: ShortText | None = None
    english: ShortText | None = None


class Address(InputModel):
    taiwan: LongText | None = None
    home: LongText | None = None


class PersonalInfo(InputModel):
    chineseName: ShortText | None = None
    englishName: ShortText | None = None
    serviceSchool: ShortText | None = None
    nationality: Nationality | None = None
    phone: ShortText | None = None
    dob: OptDate = None
    gender: OptGender = None
    address: Address | None = None
    hiringStatus: OptHiring = None


class EmergencyContact(InputModel):
    name: ShortText | None = None
    relationship: ShortText | None = None
    phone: ShortText | None = None
    email: FreeEmail | None = None


class PassportDetails(InputModel):
    number: ShortText | None = None
    expiryDate: OptDate = None
    issuingCountry: ShortText | None = None
    issuingAuthority: ShortText | None = None
    issueDate: OptDate = None


class Education(InputModel):
    degree: ShortText | None = None
    major: ShortText | None = None
    school: ShortText | None = None


class TeachingLicense(InputModel):
    expiryDate: OptDate = None


class CriminalRecord(InputModel):
    issueDate: OptDate = None


class WorkPermitDetails(InputModel):
    issueDate: OptDate = None
    expiryDate: OptDate = None
    startDate: OptDate = None
    permitNumber: ShortText | None = None


class ContractDetails(InputModel):
    contractStartDate: OptDate = None
    contractEndDate: OptDate = None
    payStartDate: OptDate = None
    payEndDate: OptDate = None
    senioritySalary: Seniority = None
    seniorityLeave: Seniority = None
    salary: Money = None
    hasSalaryIncrease: bool | None = None
    salaryIncreaseDate: OptDate = None
    estimatedPromotedSalary: Money = None


class ArcDetails(InputModel):
    expiryDate: OptDate = None
    purpose: ShortText | None = None


class CoreDocument(InputModel):
    """Metadata of a core document; the file itself is managed by the documents routes."""

    number: ShortText | None = None
    expiryDate: OptDate = None
    # Derived by the server from the file and the expiry date; echoed values are ignored.
    status: Ignored = None
    filePath: Ignored = None
    # Upload metadata written by the documents routes, echoed by clients; ignored.
    fileName: Ignored = None
    contentType: Ignored = None
    size: Ignored = None
    uploadedAt: Ignored = None
    uploadDate: Ignored = None
    originalName: Ignored = None


class Documents(InputModel):
    passport: CoreDocument | None = None
    arc: CoreDocument | None = None
    contract: CoreDocument | None = None
    workPermit: CoreDocument | None = None


class _TeacherFields(StoredEcho):
    middleName: ShortText | None = None
    school: RefId = None
    project: RefId = None
    remarks: Remarks | None = None
    personalInfo: PersonalInfo | None = None
    emergencyContact: EmergencyContact | None = None
    passportDetails: PassportDetails | None = None
    education: Education | None = None
    teachingLicense: TeachingLicense | None = None
    criminalRecord: CriminalRecord | None = None
    workPermitDetails: WorkPermitDetails | None = None
    contractDetails: ContractDetails | None = None
    arcDetails: ArcDetails | None = None
    documents: Documents | None = None
    pipelineStage: ShortText | None = None
    # Server-managed fields a client may echo back; never written from a request.
    # (Positions change only through the pipeline reorder, which keeps them contiguous.)
    pipelineOrder: Ignored = None
    profilePicture: Ignored = None
    documentBoxes: Ignored = None
    otherDocuments: Ignored = None
    documentHistory: Ignored = None
    stageHistory: Ignored = None


class TeacherCreate(_TeacherFields):
    firstName: Annotated[str, Field(min_length=1, max_length=200)]
    lastName: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr


class TeacherUpdate(_TeacherFields):
    """Any subset of the profile; nested sections merge field by field."""

    firstName: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    lastName: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Annotated[str, Field(min_length=1, max_length=254)] | None = None


class PipelineReorder(InputModel):
    """FETMS ``PUT /teachers/pipeline/reorder``: move these teachers to ``stage`` in this order."""

    stage: Annotated[str, Field(min_length=1, max_length=64)]
    teacherIds: list[ObjectIdStr] = Field(max_length=MAX_REORDER)


SortField = Literal[
    "createdAt",
    "updatedAt",
    "firstName",
    "lastName",
    "email",
    "nationality",
    "gender",
    "hiringStatus",
    "degree",
    "school",
    "pipelineStage",
    "pipelineOrder",
    "salary",
    "contractStartDate",
    "contractEndDate",
    "arcExpiry",
    "workPermitExpiry",
    "passportExpiry",
    "teachingLicenseExpiry",
]


class TeacherFilterQuery(QueryModel):
    """Filters shared by the list and the export."""

    projectId: ObjectIdStr | None = None
    pipelineStage: str | None = Field(default=None, max_length=64)
    school: ObjectIdStr | None = None
    nationality: str | None = Field(default=None, max_length=200)
    gender: str | None = Field(default=None, max_length=50)
    hiringStatus: str | None = Field(default=None, max_length=50)
    degree: str | None = Field(default=None, max_length=200)
    expiringDocument: ExpiringDocument | None = None
    expiringWithinDays: int | None = Field(default=None, ge=0, le=3650)
    salaryRange: str | None = Field(
        default=None,
        max_length=50,
        description="A dashboard salary label ('< 60k', '60k - 70k', '90k +', 'Unspecified') or "
        "a range: '60000-70000' ([a, b)), '90k+', '<60k'.",
    )
    search: str | None = Field(default=None, max_length=200)
    sort: SortField = "createdAt"
    order: Literal["asc", "desc"] | None = None


class TeacherListQuery(TeacherFilterQuery):
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0, le=10_000_000)
    deleted: Literal["only", "include"] | None = Field(
        default=None,
        description="Editors and admins: 'only' lists soft-deleted teachers (to restore them), "
        "'include' lists them with the live ones. Unset: live teachers only.",
    )


class TeacherExportQuery(TeacherFilterQuery):
    format: Literal["csv", "xlsx"] = "csv"
    headers: Literal["paths", "labels"] = Field(
        default="paths",
        description="Column headers: FETMS's dot-notation paths, or human labels (both import).",
    )


class PipelineQuery(QueryModel):
    projectId: ObjectIdStr | None = None
    limit: int | None = Field(
        default=None, ge=1, le=1000, description="Cards per column (default 200)."
    )


class DashboardQuery(QueryModel):
    """FETMS dashboard filters; ``Unspecified`` selects teachers without a value."""

    projectId: ObjectIdStr | None = None
    gender: str | None = Field(default=None, max_length=50)
    nationality: str | None = Field(default=None, max_length=200)
    degree: str | None = Field(default=None, max_length=200)
    salaryRange: str | None = Field(default=None, max_length=50)
    hiringStatus: str | None = Field(default=None, max_length=50)
    pipelineStage: str | None = Field(default=None, max_length=64)
    seniority: str | None = Field(default=None, max_length=50)


IsoDate = str | None
"""Dates in responses: ISO-8601 UTC strings (``...Z``)."""


class NationalityOut(PresentOut):
    chinese: str | None = None
    english: str | None = None


class AddressOut(PresentOut):
    taiwan: str | None = None
    home: str | None = None


class PersonalInfoOut(PresentOut):
    chineseName: str | None = None
    englishName: str | None = None
    serviceSchool: str | None = None
    nationality: NationalityOut | None = None
    phone: str | None = None
    dob: IsoDate = None
    gender: str | None = None
    address: AddressOut | None = None
    hiringStatus: str | None = None


class EmergencyContactOut(PresentOut):
    name: str | None = None
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None


class PassportDetailsOut(PresentOut):
    number: str | None = None
    expiryDate: IsoDate = None
    issuingCountry: str | None = None
    issuingAuthority: str | None = None
    issueDate: IsoDate = None


class EducationOut(PresentOut):
    degree: str | None = None
    major: str | None = None
    school: str | None = None


class TeachingLicenseOut(PresentOut):
    expiryDate: IsoDate = None


class CriminalRecordOut(PresentOut):
    issueDate: IsoDate = None


class WorkPermitDetailsOut(PresentOut):
    issueDate: IsoDate = None
    expiryDate: IsoDate = None
    startDate: IsoDate = None
    permitNumber: str | None = None


class ContractDetailsOut(PresentOut):
    contractStartDate: IsoDate = None
    contractEndDate: IsoDate = None
    payStartDate: IsoDate = None
    payEndDate: IsoDate = None
    senioritySalary: str | int | float | None = None
    seniorityLeave: str | int | float | None = None
    salary: int | float | str | None = Field(
        default=None, description="A number (FETMS data may hold a numeric string)."
    )
    hasSalaryIncrease: bool | None = None
    salaryIncreaseDate: IsoDate = None
    estimatedPromotedSalary: int | float | str | None = None


class ArcDetailsOut(PresentOut):
    expiryDate: IsoDate = None
    purpose: str | None = None


class CoreDocumentOut(PresentOut):
    number: str | None = None
    expiryDate: IsoDate = None
    status: Literal["missing", "valid", "expired"] | None = None
    filePath: str | None = Field(default=None, description="S3 key of the current file.")
    fileName: str | None = None
    contentType: str | None = None
    size: int | None = None
    uploadedAt: IsoDate = None


class DocumentsOut(PresentOut):
    passport: CoreDocumentOut | None = None
    arc: CoreDocumentOut | None = None
    contract: CoreDocumentOut | None = None
    workPermit: CoreDocumentOut | None = None


class DocumentBoxOut(PresentOut):
    id: str = Field(alias="_id")
    name: str | None = None
    order: int | None = None


class AdhocDocumentOut(PresentOut):
    id: str = Field(alias="_id")
    name: str | None = None
    filePath: str | None = None
    uploadDate: IsoDate = None
    boxId: str | None = Field(default=None, description="null: uncategorized")
    fileName: str | None = None
    contentType: str | None = None
    size: int | None = None


class StageHistoryOut(PresentOut):
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    at: IsoDate = None
    by: str | None = None


class SchoolNameOut(PresentOut):
    chinese: str | None = None
    english: str | None = None


class SchoolRefOut(PresentOut):
    """The populated ``school`` of a teacher."""

    id: str = Field(alias="_id")
    name: SchoolNameOut | None = None
    address: SchoolNameOut | None = None
    isDeleted: bool | None = None


class ProjectRefOut(PresentOut):
    """The populated ``project`` of a teacher."""

    id: str = Field(alias="_id")
    name: str | None = None
    code: str | None = None
    isActive: bool | None = None


class TeacherOut(SoftDeletableOut, PresentOut):
    """A teacher as stored (FETMS fields); sections the teacher lacks are absent."""

    ALWAYS: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "createdAt",
            "updatedAt",
            "version",
            "isDeleted",
            "deletedAt",
            "deletedBy",
            "firstName",
            "lastName",
            "email",
            "school",
            "project",
            "pipelineStage",
            "pipelineOrder",
        }
    )

    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    email: str | None = None
    school: SchoolRefOut | str | None = Field(
        default=None, description="Populated on reads ({_id, name, address}); an id elsewhere."
    )
    project: ProjectRefOut | str | None = None
    pipelineStage: str | None = None
    pipelineOrder: int | float | None = None
    profilePicture: str | None = None
    remarks: str | None = None
    personalInfo: PersonalInfoOut | None = None
    emergencyContact: EmergencyContactOut | None = None
    passportDetails: PassportDetailsOut | None = None
    education: EducationOut | None = None
    teachingLicense: TeachingLicenseOut | None = None
    criminalRecord: CriminalRecordOut | None = None
    workPermitDetails: WorkPermitDetailsOut | None = None
    contractDetails: ContractDetailsOut | None = None
    arcDetails: ArcDetailsOut | None = None
    documents: DocumentsOut | None = None
    documentBoxes: list[DocumentBoxOut] | None = None
    otherDocuments: list[AdhocDocumentOut] | None = None
    stageHistory: list[StageHistoryOut] | None = Field(
        default=None, description="GET by id only (lists leave it out)."
    )


class PipelineCardOut(PresentOut):
    """A kanban card: the few teacher fields a column shows."""

    id: str = Field(alias="_id")
    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    email: str | None = None
    profilePicture: str | None = None
    school: str | None = Field(default=None, description="School id (not populated).")
    project: str | None = None
    pipelineStage: str | None = None
    pipelineOrder: int | float | None = None
    personalInfo: PersonalInfoOut | None = None
    arcDetails: ArcDetailsOut | None = None
    workPermitDetails: WorkPermitDetailsOut | None = None
    passportDetails: PassportDetailsOut | None = None
    teachingLicense: TeachingLicenseOut | None = None
    updatedAt: IsoDate = None
    version: int | None = Field(default=None, alias="__v")


class PipelineColumnOut(PresentOut):
    """One kanban column: a stage (or ``uncategorized``) with its first cards in order."""

    ALWAYS: ClassVar[frozenset[str]] = frozenset(
        {"id", "title", "order", "isEmployed", "count", "teachers"}
    )

    id: str = Field(alias="_id")
    title: str
    order: int = 0
    isEmployed: bool = False
    count: int = Field(default=0, description="Teachers in the column (cards may be fewer).")
    teachers: list[PipelineCardOut] = Field(default_factory=list)


class ReorderOut(OutputModel):
    message: str
    stage: str
    updated: int
    moved: int = Field(default=0, description="Teachers whose stage changed.")


class DashboardKpi(OutputModel):
    totalTeachers: int
    activeSchools: int
    inRecruitment: int = Field(description="Teachers not in an employed stage.")
    actionsNeeded: int = Field(
        description="FETMS's count: upcoming (teacher, active rule) alerts, "
        "today < expiry ≤ the rule's threshold."
    )
    teachersNeedingAction: int = Field(
        description="Distinct teachers with a document expiring within a rule's window or "
        "already expired."
    )


class DashboardOut(OutputModel):
    """FETMS dashboard shape plus ``expired``, ``expiryCounts`` and ``candidatesTotal``."""

    kpi: DashboardKpi
    expiry: dict[str, list[dict[str, Any]]] = Field(
        description="Upcoming alerts, one per (teacher, active rule), in FETMS's shape "
        "{teacherId, firstName, lastName, profilePicture, ruleName, documentType, expiryDate, "
        "type: EXPIRY} plus ours; keys arc, workPermit, passport, other (FETMS) and "
        "teachingLicense; soonest first, at most 1000 per key (expiryCounts is exact)."
    )
    expired: dict[str, list[dict[str, Any]]] = Field(
        description="Expired documents (expiry on or before today) on fields an active rule "
        "watches, one per document (type: EXPIRED), most recent first; same keys."
    )
    expiryCounts: dict[str, dict[str, int]] = Field(
        description="Per key: expiring (upcoming alerts) and expired (documents), exact."
    )
    charts: dict[str, list[dict[str, Any]]] = Field(
        description="pipeline ({name, value, count, id, stageId, color}), nationality, gender, "
        "education, salary, hiringStatus, seniority: entries {name, value, count}."
    )
    candidates: list[dict[str, Any]] = Field(
        description="The first 100 filtered teachers in creation order (FETMS's rows): "
        "pipelineStage is the stage title; salary, seniority, stageId and more."
    )
    candidatesTotal: int = Field(description="How many teachers the candidates come from.")
