"""The operator CLI in the `local` stage aims only at the running local stack, as recorded in
`<LOCAL_DATA_DIR>/stack.json` by `fetms run`; without one it refuses (never AWS, never a guessed
port), and every destructive command names its database and bucket before it acts.

Each command runs as a separate `fetms` process with the environment an operator's shell would
have: `FETMS_STAGE=local`, a `LOCAL_DATA_DIR`, and no endpoints or keys.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fetms_cli import main
from fetms_cli.stackfile import StackInfo, write_stack_file
from tests.conftest import reset_process_singletons
from tests.support.auth import make_user
from tests.support.factories import make_teacher
from tests.support.servers import free_port

FETMS = str(Path(sys.executable).with_name("fetms"))
REAL_LOOKING_AWS_KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def operator_shell(data_dir: Path, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "MONGO_", "S3_", "FETMS_", "UPLOADS_", "BACKUPS_", "API_"))
    }
    return {**keep, "FETMS_STAGE": "local", "LOCAL_DATA_DIR": str(data_dir), **extra}


def fetms(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FETMS, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Run in-process with exactly ``variables`` as the environment, then restore everything."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    reset_process_singletons()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_process_singletons()


def session_stack(services: dict[str, str]) -> StackInfo:
    """A stack record naming the test session's servers (on ports no default would find)."""
    return StackInfo(
        pid=os.getpid(),
        started_at="2026-01-01T00:00:00+00:00",
        api_host="127.0.0.1",
        api_port=free_port(),
        mongo_uri=services["MONGO_URI"],
        mongo_db=services["MONGO_DB"],
        s3_endpoint_url=services["S3_ENDPOINT_URL"],
        aws_access_key_id=services["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=services["AWS_SECRET_ACCESS_KEY"],
        aws_region="us-east-1",
        uploads_bucket=services["UPLOADS_BUCKET"],
        backups_bucket=services["BACKUPS_BUCKET"],
    )


def test_local_commands_follow_the_stack_file(
    services: dict[str, str], db: Any, backups: tuple[Any, str], tmp_path: Path
) -> None:
    make_user(db, "admin", email="ops@example.org")
    make_teacher(db)
    write_stack_file(tmp_path / "stack.json", session_stack(services))
    # Real-looking AWS keys in the shell must not matter: the local keys replace them.
    env = operator_shell(tmp_path, **REAL_LOOKING_AWS_KEYS, AWS_SESSION_TOKEN="from-a-real-login")

    users = fetms(env, "users", "list")
    assert users.returncode == 0, users.stderr
    assert "ops@example.org" in users.stdout

    backup = fetms(env, "backup", "create")
    assert backup.returncode == 0, backup.stderr
    assert "hashes and counts match" in backup.stdout
    s3, bucket = backups
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert any(k.endswith("manifest.json") for k in keys), keys

    on = fetms(env, "maintenance", "on", "--message", "drill")
    assert on.returncode == 0, on.stderr
    assert f"database '{services['MONGO_DB']}' on {services['MONGO_URI']}" in on.stderr
    assert db.settings.find_one({"enabled": True}) is not None
    assert fetms(env, "maintenance", "off").returncode == 0


def test_without_a_running_stack_local_commands_refuse(tmp_path: Path) -> None:
    env = operator_shell(tmp_path, **REAL_LOOKING_AWS_KEYS)
    for argv, names in (
        (("backup", "list"), "S3_ENDPOINT_URL"),
        (("backup", "create"), "MONGO_URI"),
        (("users", "reset", "--email", "admin@example.com"), "MONGO_URI"),
    ):
        result = fetms(env, *argv)
        assert result.returncode == 2, (argv, result.stdout, result.stderr)
        assert "no local stack is running" in result.stderr
        assert str(tmp_path / "stack.json") in result.stderr
        assert names in result.stderr and "make run" in result.stderr
        assert "Credentials" not in result.stderr and "Traceback" not in result.stderr


def test_a_stack_file_of_a_stopped_stack_is_not_followed(
    services: dict[str, str], tmp_path: Path
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    write_stack_file(tmp_path / "stack.json", replace(session_stack(services), pid=gone.pid))
    result = fetms(operator_shell(tmp_path), "users", "list")
    assert result.returncode == 2
    assert f"(pid {gone.pid}) is no longer running" in result.stderr


@pytest.mark.parametrize(
    ("argv", "touches_db", "bucket"),
    [
        (("users", "reset", "--email", "admin@example.com"), True, None),
        (("maintenance", "on", "--message", "x"), True, None),
        (("migrate", "up"), True, "backups"),
        (("migrate", "down", "--to", "0"), True, "uploads"),
        (("backup", "restore", "20260101T020000Z", "--drop"), True, "backups"),
        (("backup", "prune"), False, "backups"),
        (("indexes", "ensure"), True, None),
    ],
)
def test_destructive_commands_name_their_target_before_acting(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    touches_db: bool,
    bucket: str | None,
) -> None:
    """The stack file names servers that do not answer: each command must still have printed
    its target before it failed on its first attempt to act. (In-process, in the environment of
    an operator's shell, to keep the suite quick; the tests above run `fetms` as a process.)"""
    dead_mongo, dead_s3 = free_port(), free_port()
    info = StackInfo(
        pid=os.getpid(),
        started_at="2026-01-01T00:00:00+00:00",
        api_host="127.0.0.1",
        api_port=free_port(),
        mongo_uri=f"mongodb://127.0.0.1:{dead_mongo}/?directConnection=true",
        mongo_db="fetms_moved",
        s3_endpoint_url=f"http://127.0.0.1:{dead_s3}",
        aws_access_key_id="FETMSLOCALTEST",
        aws_secret_access_key="local-secret",
        aws_region="us-east-1",
        uploads_bucket="moved-uploads",
        backups_bucket="moved-backups",
    )
    write_stack_file(tmp_path / "stack.json", info)
    with environment(operator_shell(tmp_path, MONGO_TIMEOUT_MS="300")):
        code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("fetms: about to "), err
    assert str(tmp_path / "stack.json") in err
    if touches_db:
        assert f"database 'fetms_moved' on mongodb://127.0.0.1:{dead_mongo}/" in err
    if bucket:
        assert f"bucket 'moved-{bucket}' on http://127.0.0.1:{dead_s3}" in err


def test_in_a_deployed_stage_the_target_named_is_the_aws_one(
    services: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No stack file outside `local`: the announcement names the AWS bucket and the database of
    the Atlas secret (without its password), before the command fails on the missing backup.
    AWS is moto in-process here."""
    import boto3
    from moto import mock_aws

    with mock_aws(), monkeypatch.context() as env:
        secret = boto3.client("secretsmanager", region_name="ap-northeast-1").create_secret(
            Name="fetms/prod/mongo-uri",
            SecretString="mongodb+srv://fetms:s3cr3t@cluster0.example.mongodb.net/",
        )
        env.delenv("S3_ENDPOINT_URL")
        env.delenv("MONGO_URI")
        for name, value in {
            "FETMS_STAGE": "prod",
            "JWT_SECRET": secrets.token_urlsafe(40),
            "MONGO_URI_SECRET_ARN": secret["ARN"],
            "MONGO_DB": "fetms",
            "AWS_REGION": "ap-northeast-1",
            "BACKUPS_BUCKET": "fetms-prod-backups",
        }.items():
            env.setenv(name, value)
        reset_process_singletons()
        try:
            code = main(["backup", "restore", "20260101T020000Z", "--drop"])
        finally:
            env.undo()
            reset_process_singletons()
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("fetms: about to restore backup 20260101T020000Z"), err
    assert "(stage prod)" in err
    assert "database 'fetms' on mongodb+srv://***@cluster0.example.mongodb.net/" in err
    assert "bucket 's3://fetms-prod-backups' in AWS (ap-northeast-1)" in err
    assert "s3cr3t" not in err
