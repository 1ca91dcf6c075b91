"""mongodump's directory format: ``<db>/<collection>.bson`` + ``<collection>.metadata.json``.

The ``.bson`` file is the concatenation of the collection's documents as raw BSON. The metadata
file is MongoDB Extended JSON (canonical) with ``options``, ``indexes`` (the ``listIndexes``
specs), ``uuid``, ``collectionName`` and ``type``: what ``mongorestore`` reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast
from uuid import UUID

import bson
from bson import json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from chalicelib.db import DERIVED_COLLECTIONS, Db, Document

RAW = CodecOptions(document_class=RawBSONDocument, tz_aware=True)
EXTENDED_JSON = json_util.JSONOptions(
    json_mode=json_util.JSONMode.CANONICAL, tz_aware=True, uuid_representation=4
)
BSON_SUFFIX = ".bson"
METADATA_SUFFIX = ".metadata.json"
CHUNK = 1024 * 1024
RESTORE_STATE_COLLECTION = "fetmsrestore"
"""Progress record of an unfinished restore (see ``jobs/restore.py``); never backed up."""


@dataclass(frozen=True)
class DumpedFile:
    """One written file: its path inside the dump, size, SHA-256 and (for .bson) document count."""

    path: str
    size: int
    sha256: str
    count: int | None = None

    def as_dict(self) -> Document:
        data: Document = {"path": self.path, "size": self.size, "sha256": self.sha256}
        if self.count is not None:
            data["count"] = self.count
        return data


def user_collections(db: Db) -> list[str]:
    """Every collection worth dumping (views and ``system.*`` excluded), in a stable order."""
    names = []
    for info in db.list_collections():
        if info.get("type", "collection") != "collection":
            continue
        if str(info["name"]).startswith("system.") or info["name"] == RESTORE_STATE_COLLECTION:
            continue
        if info["name"] in DERIVED_COLLECTIONS:  # recomputed on demand
            continue
        names.append(str(info["name"]))
    return sorted(names)


def collection_metadata(db: Db, name: str) -> Document:
    """The metadata document mongodump writes for ``name``."""
    options: Document = {}
    uuid: str | None = None
    for info in db.list_collections(filter={"name": name}):
        options = dict(info.get("options") or {})
        raw_uuid = (info.get("info") or {}).get("uuid")
        if isinstance(raw_uuid, UUID):
            uuid = raw_uuid.hex
        elif isinstance(raw_uuid, bytes) and len(raw_uuid) == 16:
            uuid = raw_uuid.hex()
    indexes = []
    for spec in db[name].list_indexes():
        index = dict(spec)
        index.pop("ns", None)
        indexes.append(index)
    meta: Document = {"indexes": indexes, "collectionName": name, "type": "collection"}
    meta["options"] = options
    if uuid:
        meta["uuid"] = uuid
    return meta


def dump_metadata(meta: Document) -> bytes:
    return json_util.dumps(meta, json_options=EXTENDED_JSON).encode()


def load_metadata(raw: bytes) -> Document:
    loaded: Document = json_util.loads(raw.decode(), json_options=EXTENDED_JSON)
    return loaded


def write_collection(db: Db, name: str, out: BinaryIO, batch_size: int = 500) -> tuple[int, int]:
    """Stream ``name`` as raw BSON into ``out`` in batches; return (documents, bytes).

    Documents are copied byte for byte (``RawBSONDocument``): no decode/re-encode, bounded memory.
    """
    collection = db.get_collection(name, codec_options=RAW)
    count = 0
    size = 0
    with collection.find({}, batch_size=batch_size, sort=[("_id", 1)]) as cursor:
        for document in cursor:
            raw = cast(RawBSONDocument, document).raw
            out.write(raw)
            count += 1
            size += len(raw)
    return count, size


def hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def iter_bson_file(handle: BinaryIO) -> Iterator[RawBSONDocument]:
    """Every document of a ``.bson`` file, validated as BSON, without loading the whole file."""
    yield from bson.decode_file_iter(handle, codec_options=RAW)


def count_bson_file(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in iter_bson_file(handle))


@dataclass(frozen=True)
class DumpCollection:
    """A collection found in a dump directory."""

    name: str
    bson_path: Path
    metadata: Document


def read_dump_directory(db_dir: Path) -> list[DumpCollection]:
    """The collections of one database directory of a mongodump (``<out>/<db>``)."""
    if not db_dir.is_dir():
        raise FileNotFoundError(f"not a directory: {db_dir}")
    found: list[DumpCollection] = []
    for bson_path in sorted(db_dir.glob("*" + BSON_SUFFIX)):
        name = bson_path.name[: -len(BSON_SUFFIX)]
        if name.startswith("system."):
            continue
        meta_path = db_dir / (name + METADATA_SUFFIX)
        metadata: Document = {}
        if meta_path.exists():
            metadata = load_metadata(meta_path.read_bytes())
        found.append(DumpCollection(name=name, bson_path=bson_path, metadata=metadata))
    return found


def index_specs_for_restore(metadata: Document) -> list[Document]:
    """Index specs from metadata for ``createIndexes`` (``_id_``, ``ns`` and ``v`` dropped)."""
    specs: list[Document] = []
    for index in metadata.get("indexes") or []:
        spec = dict(index)
        if spec.get("name") == "_id_":
            continue
        spec.pop("ns", None)
        spec.pop("v", None)
        specs.append(spec)
    return specs


def pretty_json(data: Any) -> bytes:
    return json.dumps(data, indent=2, sort_keys=True, default=str).encode()
