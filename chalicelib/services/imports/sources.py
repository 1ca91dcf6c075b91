"""Where an import file comes from: bytes sent inline, an object in S3, a file on disk.

A source can be opened more than once (a transaction retried by the driver reads it again) and
is always read as a stream: an S3 object is never loaded whole into memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bson import ObjectId

from chalicelib import storage
from chalicelib.errors import Conflict, PayloadTooLarge

READ_BUFFER = 64 * 1024
IDS_PER_QUERY = 100
"""``$in`` lists stay short (SecantusDB, the local server, matches them in quadratic time)."""


def chunked(ids: list[ObjectId]) -> list[list[ObjectId]]:
    return [ids[i : i + IDS_PER_QUERY] for i in range(0, len(ids), IDS_PER_QUERY)]


@dataclass(frozen=True)
class Source:
    """A re-openable file: ``open()`` returns a fresh binary stream each time."""

    name: str
    size: int
    open: Callable[[], BinaryIO]


def from_bytes(name: str, data: bytes) -> Source:
    return Source(name=name, size=len(data), open=lambda: io.BytesIO(data))


def from_path(path: Path) -> Source:
    return Source(name=path.name, size=path.stat().st_size, open=lambda: path.open("rb"))


class _S3Raw(io.RawIOBase):
    """A raw stream over an S3 GetObject body (read in chunks, never whole)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk: bytes = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._body.close()
        super().close()


def from_s3(s3: Any, bucket: str, key: str, name: str, max_bytes: int) -> Source:
    """The uploaded object at ``key``: 409 when it is not there yet, 413 above ``max_bytes``."""
    info = storage.head_object(s3, bucket, key)
    if info is None:
        raise Conflict(detail="The file has not been uploaded yet: POST it to the upload URL first")
    if info.size > max_bytes:
        raise PayloadTooLarge(
            detail=f"The file is {info.size} bytes; imports take at most {max_bytes} bytes"
        )

    def open_object() -> BinaryIO:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        return io.BufferedReader(_S3Raw(body), buffer_size=READ_BUFFER)

    return Source(name=name, size=info.size, open=open_object)
