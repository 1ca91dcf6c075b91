"""Fixtures for the jobs tests: an emptied backups bucket and a scratch restore database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

RESTORE_DB = "fetms_restore_test"


@pytest.fixture
def backups(db: Any) -> Iterator[tuple[Any, str]]:
    """(s3 client, bucket) with no backups in it."""
    from chalicelib.settings import get_settings
    from chalicelib.storage import get_s3

    s3 = get_s3()
    bucket = get_settings().backups_bucket
    _empty(s3, bucket)
    yield s3, bucket
    _empty(s3, bucket)


def _empty(s3: Any, bucket: str) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix="backups/"):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


@pytest.fixture
def restore_db(db: Any) -> Iterator[Any]:
    """A scratch database for restores, dropped before and after the test."""
    client = db.client
    client.drop_database(RESTORE_DB)
    yield client[RESTORE_DB]
    client.drop_database(RESTORE_DB)
