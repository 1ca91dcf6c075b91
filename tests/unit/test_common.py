"""Shared service helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.models.base import InputModel, UtcDateTime
from chalicelib.services.common import flatten_for_set


class Dated(InputModel):
    when: UtcDateTime | None = None


def test_flatten_merges_nested_sections_and_ignores_empty_ones() -> None:
    assert flatten_for_set("", {}) == {}
    assert flatten_for_set("", {"contact": {}}) == {}
    assert flatten_for_set("", {"name": {"english": "B"}, "remarks": None}) == {
        "name.english": "B",
        "remarks": None,
    }


def test_dates_stay_datetimes_for_the_database_and_iso_in_json() -> None:
    model = Dated.model_validate_json('{"when": "2027-01-31"}')
    assert model.to_document() == {"when": datetime(2027, 1, 31, tzinfo=UTC)}
    assert model.model_dump_json() == '{"when":"2027-01-31T00:00:00Z"}'
