"""Names a spreadsheet uses for references, resolved once per import run.

* ``school``: a school's id, Chinese or English name (ignoring case and surrounding spaces);
  a deleted school only when no live one matches;
* ``project``: a project's id, code or name (an archived one only when no active one matches);
* ``pipelineStage``: a live stage's id, its title, or ``uncategorized``/``Uncategorized``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymongo.client_session import ClientSession

from chalicelib.db import PROJECTS, SCHOOLS, Db, Document
from chalicelib.services.pipeline import live_stages
from chalicelib.services.positions import UNCATEGORIZED_STAGE


class UnknownReference(ValueError):
    """The name matches nothing (or several things); the message says which."""


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class Lookups:
    schools: dict[str, list[Document]] = field(default_factory=dict)
    projects: dict[str, list[Document]] = field(default_factory=dict)
    stages: dict[str, list[str]] = field(default_factory=dict)
    stage_ids: list[str] = field(default_factory=list)
    retired_schools: dict[str, list[Document]] = field(default_factory=dict)
    retired_projects: dict[str, list[Document]] = field(default_factory=dict)

    def school(self, value: str) -> Document:
        """A live school, else a deleted one (an export names a teacher's deleted school; the
        import refuses it only as a change: ``Mapped.retired``)."""
        try:
            return self._one(self.schools, value, "school")
        except UnknownReference:
            if _key(value) in self.retired_schools:
                return self._one(self.retired_schools, value, "school")
            raise

    def school_named(self, value: str) -> Document | None:
        """The school a ``serviceSchool`` text names, if exactly one does."""
        found = self.schools.get(_key(value), [])
        return found[0] if len(found) == 1 else None

    def project(self, value: str) -> Document:
        """An active project, else an archived one (refused only as a change, like schools)."""
        try:
            return self._one(self.projects, value, "project")
        except UnknownReference:
            if _key(value) in self.retired_projects:
                return self._one(self.retired_projects, value, "project")
            raise

    def stage(self, value: str) -> str:
        key = _key(value)
        if key == UNCATEGORIZED_STAGE:
            return UNCATEGORIZED_STAGE
        found = self.stages.get(key, [])
        if len(found) != 1:
            raise UnknownReference(
                f"no stage is called '{value}'"
                if not found
                else f"several stages are called '{value}'; use the stage id"
            )
        return found[0]

    @staticmethod
    def _one(index: dict[str, list[Document]], value: str, what: str) -> Document:
        found = index.get(_key(value), [])
        unique = {str(doc["_id"]): doc for doc in found}
        if len(unique) == 1:
            return next(iter(unique.values()))
        if not unique:
            raise UnknownReference(f"no {what} is called '{value}'")
        raise UnknownReference(f"several {what}s are called '{value}'; use the id")


def _add(index: dict[str, list[Document]], key: object, doc: Document) -> None:
    if isinstance(key, str) and key.strip():
        index.setdefault(_key(key), []).append(doc)


def load_lookups(db: Db, session: ClientSession | None = None) -> Lookups:
    lookups = Lookups()
    for school in db[SCHOOLS].find({}, {"name": 1, "isDeleted": 1}, session=session):
        index = lookups.retired_schools if school.get("isDeleted") else lookups.schools
        _add(index, str(school["_id"]), school)
        names = school.get("name") or {}
        _add(index, names.get("chinese"), school)
        _add(index, names.get("english"), school)
    for project in db[PROJECTS].find({}, {"name": 1, "code": 1, "isActive": 1}, session=session):
        index = (
            lookups.projects if project.get("isActive") is not False else lookups.retired_projects
        )
        _add(index, str(project["_id"]), project)
        _add(index, project.get("code"), project)
        _add(index, project.get("name"), project)
    for stage in live_stages(db):
        sid = str(stage["_id"])
        lookups.stage_ids.append(sid)
        lookups.stages.setdefault(sid, []).append(sid)
        title = stage.get("title")
        if isinstance(title, str) and title.strip():
            lookups.stages.setdefault(_key(title), []).append(sid)
    return lookups
