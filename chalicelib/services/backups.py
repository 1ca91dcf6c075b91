"""The latest database backups as the admins' Operations screen shows them (read-only).

Reads what ``fetms backup list`` reads — the backups bucket's ``backups/<id>/`` folders — but only
the newest ones: one listing of the prefix, then the manifests of the ``limit`` newest backups.
A folder whose ``manifest.json`` is missing holds a backup that is running or failed
(``incomplete``: the manifest is written last); one with a manifest is ``complete``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.db import Document


def latest_backups(s3: Any, bucket: str, limit: int) -> list[Document]:
    """The ``limit`` newest backups, newest first: complete ones from their manifest."""
    # The backup job's module brings boto3's transfer manager: loaded when this screen asks.
    from chalicelib.jobs.backup import (
        MANIFEST_NAME,
        PREFIX,
        BackupError,
        get_manifest,
        kind_of,
        parse_backup_id,
    )

    folders: dict[str, Document] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            backup_id, _, name = str(item["Key"])[len(PREFIX) :].partition("/")
            try:
                started = parse_backup_id(backup_id)
            except BackupError:
                continue  # not a backup folder
            folder = folders.setdefault(
                backup_id, {"id": backup_id, "startedAt": started, "manifest": False}
            )
            if name == MANIFEST_NAME:
                folder["manifest"] = True
            elif name.endswith(".tar.gz"):
                folder["archiveBytes"] = int(item.get("Size", 0))
                folder["lastModified"] = item.get("LastModified")
    newest = sorted(folders.values(), key=lambda f: str(f["id"]), reverse=True)[:limit]
    rows: list[Document] = []
    for folder in newest:
        if not folder["manifest"]:
            rows.append(
                {
                    "id": folder["id"],
                    "status": "incomplete",
                    "startedAt": folder["startedAt"],
                    "archiveBytes": folder.get("archiveBytes"),
                }
            )
            continue
        try:
            manifest = get_manifest(s3, bucket, str(folder["id"]))
        except (BackupError, ClientError, ValueError):
            rows.append(
                {"id": folder["id"], "status": "unreadable", "startedAt": folder["startedAt"]}
            )
            continue
        totals = manifest.get("totals") or {}
        rows.append(
            {
                "id": folder["id"],
                "status": "complete",
                "kind": kind_of(manifest),
                "note": manifest.get("note"),
                "database": manifest.get("database"),
                "appVersion": manifest.get("appVersion"),
                "startedAt": manifest.get("startedAt") or folder["startedAt"],
                "finishedAt": manifest.get("finishedAt"),
                "collections": totals.get("collections"),
                "documents": totals.get("documents"),
                "archiveBytes": (manifest.get("archive") or {}).get("size"),
            }
        )
    return rows
