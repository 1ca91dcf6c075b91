"""``<LOCAL_DATA_DIR>/stack.json``: the one record of where the running local stack listens.

``fetms run`` writes it (mode 0600: it holds the generated S3 keys) once its servers answer and
removes it when it stops; every other ``fetms`` command in the ``local`` stage reads it
(:mod:`fetms_cli.target`), so the operator CLI follows moved ports and never falls back to AWS.
Development only.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from chalicelib.settings import Settings
from fetms_cli.common import write_private_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STACK_FILE_NAME = "stack.json"


@dataclass(frozen=True)
class StackInfo:
    """Endpoints and credentials of a running local stack (what its API process was given)."""

    pid: int
    started_at: str
    api_host: str
    api_port: int
    mongo_uri: str
    mongo_db: str
    s3_endpoint_url: str
    aws_access_key_id: str
    aws_secret_access_key: str
    aws_region: str
    uploads_bucket: str
    backups_bucket: str

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    def database_environment(self) -> dict[str, str]:
        return {"MONGO_URI": self.mongo_uri, "MONGO_DB": self.mongo_db}

    def s3_environment(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT_URL": self.s3_endpoint_url,
            "AWS_ACCESS_KEY_ID": self.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.aws_secret_access_key,
            "AWS_REGION": self.aws_region,
            "AWS_DEFAULT_REGION": self.aws_region,
            "UPLOADS_BUCKET": self.uploads_bucket,
            "BACKUPS_BUCKET": self.backups_bucket,
        }

    def api_environment(self) -> dict[str, str]:
        return {"API_HOST": self.api_host, "API_PORT": str(self.api_port)}


def local_data_dir(settings: Settings) -> Path:
    """``LOCAL_DATA_DIR`` (relative to the project root unless absolute)."""
    return (PROJECT_ROOT / settings.local_data_dir).resolve()


def stack_file_path(settings: Settings) -> Path:
    return local_data_dir(settings) / STACK_FILE_NAME


def write_stack_file(path: Path, info: StackInfo) -> None:
    write_private_file(path, json.dumps(asdict(info), indent=2) + "\n")


class StackFileError(Exception):
    """The stack file exists but cannot be used (unreadable or malformed)."""


def read_stack_file(path: Path) -> StackInfo | None:
    """The recorded stack, or None when there is no file."""
    try:
        raw = json.loads(path.read_text())
        return StackInfo(**raw)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise StackFileError(f"{path} is unreadable ({type(exc).__name__})") from exc


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stack_file(path: Path, pid: int) -> None:
    """Remove the file if it still describes the stack of process ``pid``."""
    with contextlib.suppress(StackFileError):
        info = read_stack_file(path)
        if info is not None and info.pid == pid:
            path.unlink(missing_ok=True)
