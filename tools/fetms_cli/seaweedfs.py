"""SeaweedFS (``weed mini``) as the local S3 server: ports, credentials, command line, readiness.

One definition for ``fetms run`` and the tests, so both run the same server the same way:
authentication on (one identity with generated keys, no anonymous access: every request must be
signed), every port set explicitly, telemetry off, CORS origins set explicitly. Versioning, SSE-S3,
CORS and lifecycle are bucket settings applied by :mod:`fetms_cli.buckets`. Development only.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from fetms_cli.common import write_private_file

PORTS_PER_SERVER = 10


@dataclass(frozen=True)
class SeaweedPorts:
    """Every port ``weed mini`` listens on (it opens more than a dozen by default)."""

    s3: int
    s3_grpc: int
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    admin: int
    admin_grpc: int

    @classmethod
    def block(cls, first: int) -> SeaweedPorts:
        """Ten consecutive ports: S3 on ``first``, the internal ones on the nine after it."""
        return cls(*range(first, first + PORTS_PER_SERVER))

    def all(self) -> list[int]:
        return [int(port) for port in astuple(self)]

    def named(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str

    @classmethod
    def generate(cls) -> S3Credentials:
        """Fresh random keys (never committed; written only to mode-0600 files)."""
        return cls(
            access_key="FETMSLOCAL" + secrets.token_hex(5).upper(),
            secret_key=secrets.token_hex(20),
        )


def write_identity_config(path: Path, credentials: S3Credentials) -> None:
    """The ``-s3.config`` file: one identity with every action; no anonymous identity."""
    config = {
        "identities": [
            {
                "name": "fetms-local",
                "credentials": [
                    {"accessKey": credentials.access_key, "secretKey": credentials.secret_key}
                ],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    write_private_file(path, json.dumps(config, indent=2) + "\n")


def command(
    binary: Path,
    data_dir: Path,
    ports: SeaweedPorts,
    config_file: Path,
    allowed_origins: list[str],
) -> list[str]:
    """The ``weed mini`` command line: loopback only, every port explicit, no extras."""
    if not allowed_origins or "*" in allowed_origins:
        raise ValueError("SeaweedFS needs explicit CORS origins (its default is '*')")
    return [
        str(binary),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={ports.s3}",
        f"-s3.port.grpc={ports.s3_grpc}",
        f"-master.port={ports.master}",
        f"-master.port.grpc={ports.master_grpc}",
        f"-volume.port={ports.volume}",
        f"-volume.port.grpc={ports.volume_grpc}",
        f"-filer.port={ports.filer}",
        f"-filer.port.grpc={ports.filer_grpc}",
        f"-admin.port={ports.admin}",
        f"-admin.port.grpc={ports.admin_grpc}",
        "-admin.port.legacy=0",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-master.telemetry=false",
        f"-s3.allowedOrigins={','.join(allowed_origins)}",
        f"-s3.config={config_file}",
    ]


def endpoint_url(ports: SeaweedPorts) -> str:
    return f"http://127.0.0.1:{ports.s3}"


def client(endpoint: str, credentials: S3Credentials, region: str = "us-east-1") -> Any:
    """A signed S3 client for the local server with short timeouts (readiness checks, tests)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=1,
            read_timeout=3,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )


def is_ready(endpoint: str, credentials: S3Credentials) -> bool:
    """True once a signed ``ListBuckets`` succeeds (the S3 gateway and the filer are up)."""
    try:
        client(endpoint, credentials).list_buckets()
    except Exception:
        return False
    return True
