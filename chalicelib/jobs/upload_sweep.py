"""Upload sweep: discard the objects of presigned uploads never confirmed in time.

Meant to run hourly (a scheduled Lambda) and from the CLI. Referenced files are never touched.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import db
from chalicelib.db import Document
from chalicelib.observability import logger
from chalicelib.services.uploads import sweep_expired_uploads
from chalicelib.settings import get_settings
from chalicelib.storage import Vault, get_s3


def run(now: datetime | None = None) -> Document:
    vault = Vault(s3=get_s3(), settings=get_settings())
    discarded = sweep_expired_uploads(db.get_db(), vault, now=now)
    logger.info("upload sweep finished", extra={"discarded": discarded})
    return {"job": "upload-sweep", "discarded": discarded}
