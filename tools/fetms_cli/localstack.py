"""The local stack behind ``fetms run``: SecantusDB, an S3 endpoint and ``chalice local``.

Development only: it starts processes from the development environment (never used in Lambda).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from chalicelib.settings import Settings, get_settings, reset_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
S3RVER_BIN = PROJECT_ROOT / "tools" / "s3" / "node_modules" / ".bin" / "s3rver"
S3RVER_CREDENTIALS = ("S3RVER", "S3RVER")


class StackError(Exception):
    """A problem the user can fix (port in use, missing tool); printed without a traceback."""


@dataclass
class ManagedProcess:
    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]


@dataclass
class LocalStack:
    settings: Settings
    data_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)
    say: Callable[[str], None] = print

    def port_free(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.settings.api_host, port))
            except OSError:
                return False
        return True

    def require_port(self, port: int, variable: str) -> None:
        if not self.port_free(port):
            raise StackError(
                f"Port {port} on {self.settings.api_host} is already in use. "
                f"Set {variable} to a free port (for example `{variable}={port + 1} make run`) "
                f"or stop the program that uses it."
            )

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT
    ) -> ManagedProcess:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = (logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        managed = ManagedProcess(name=name, process=process, log=log)
        self.processes.append(managed)
        return managed

    def stop_all(self) -> None:
        for managed in reversed(self.processes):
            if managed.process.poll() is None:
                self.say(f"stopping {managed.name} …")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(managed.process.pid, signal.SIGTERM)
        for managed in reversed(self.processes):
            try:
                managed.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(managed.process.pid, signal.SIGKILL)
                managed.process.wait()
            managed.log.close()
        self.processes.clear()


def wait_until(
    check: Callable[[], bool], what: str, process: ManagedProcess | None, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.process.poll() is not None:
            raise StackError(f"{what} exited during start-up; see {process.log.name}")
        if check():
            return
        time.sleep(0.25)
    raise StackError(f"{what} did not become ready within {timeout:.0f} s")


def _mongo_ready(uri: str) -> Callable[[], bool]:
    def check() -> bool:
        from pymongo import MongoClient

        client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return True
        except Exception:
            return False
        finally:
            client.close()

    return check


def _http_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    return check


def start_mongo(stack: LocalStack) -> str:
    s = stack.settings
    if "mongo_uri" in s.model_fields_set:
        stack.say(f"MongoDB: using MONGO_URI from the environment ({_redact_uri(s.mongo_uri)})")
        return s.mongo_uri
    stack.require_port(s.mongo_port, "MONGO_PORT")
    storage = stack.data_dir / "mongo"
    storage.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "secantus",
        "--host",
        "127.0.0.1",
        "--port",
        str(s.mongo_port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
    ]
    process = stack.spawn("mongo", argv, dict(os.environ))
    uri = f"mongodb://127.0.0.1:{s.mongo_port}/?directConnection=true"
    wait_until(_mongo_ready(uri), "SecantusDB", process)
    stack.say(f"MongoDB (SecantusDB): {uri}  data: {storage}")
    return uri


def start_s3(stack: LocalStack) -> str:
    s = stack.settings
    if s.s3_endpoint_url:
        stack.say(f"S3: using S3_ENDPOINT_URL from the environment ({s.s3_endpoint_url})")
        return s.s3_endpoint_url
    if not S3RVER_BIN.exists():
        raise StackError("The local S3 endpoint is not installed; run `make install` first.")
    stack.require_port(s.s3_port, "S3_PORT")
    storage = stack.data_dir / "s3"
    storage.mkdir(parents=True, exist_ok=True)
    argv = [
        str(S3RVER_BIN),
        "-d",
        str(storage),
        "-a",
        "127.0.0.1",
        "-p",
        str(s.s3_port),
        "--silent",
    ]
    process = stack.spawn("s3", argv, dict(os.environ))
    url = f"http://127.0.0.1:{s.s3_port}"
    wait_until(_http_ready(url), "the S3 endpoint", process)
    stack.say(f"S3 (s3rver): {url}  data: {storage}")
    return url


def _redact_uri(uri: str) -> str:
    if "@" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def prepare_environment(mongo_uri: str, s3_url: str, uses_own_s3: bool) -> dict[str, str]:
    """Variables for this process and the API child: endpoints and fake AWS credentials."""
    env = {
        "FETMS_STAGE": os.environ.get("FETMS_STAGE", "local"),
        "MONGO_URI": mongo_uri,
        "S3_ENDPOINT_URL": s3_url,
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
    if uses_own_s3:
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = S3RVER_CREDENTIALS
    else:
        env.setdefault("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID", "local"))
        env.setdefault("AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY", "local"))
    os.environ.update(env)
    reset_settings()
    return env


def start_api(stack: LocalStack) -> str:
    s = stack.settings
    stack.require_port(s.api_port, "API_PORT")
    chalice = Path(sys.executable).with_name("chalice")
    argv = [
        str(chalice),
        "local",
        "--host",
        s.api_host,
        "--port",
        str(s.api_port),
        "--no-autoreload",
        "--stage",
        "local",
    ]
    process = stack.spawn("api", argv, dict(os.environ))
    url = f"http://{s.api_host}:{s.api_port}"
    wait_until(_http_ready(f"{url}/api/health"), "the API (chalice local)", process)
    return url


def run_local_stack(prepare: Callable[[], list[str]]) -> int:
    """Start everything, run ``prepare`` (indexes, seed), serve until Ctrl-C; stop all children."""
    settings = get_settings()
    data_dir = (PROJECT_ROOT / settings.local_data_dir).resolve()
    stack = LocalStack(settings=settings, data_dir=data_dir)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    # Explicit handlers: a shell that starts us in the background ignores SIGINT by default.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.require_port(settings.api_port, "API_PORT")
        mongo_uri = start_mongo(stack)
        s3_url = start_s3(stack)
        prepare_environment(mongo_uri, s3_url, uses_own_s3=not settings.s3_endpoint_url)
        stack.settings = get_settings()
        for line in prepare():
            stack.say(line)
        api_url = start_api(stack)
        from fetms_cli.spa import start_spa  # the web app; its own module

        spa_url = start_spa(stack, api_url, s3_url)
        stack.say("")
        stack.say(f"FETMS web app: {spa_url}  (sign in there; /api is served on the same origin)")
        stack.say(f"FETMS API ready: {api_url}/api/health  (OpenAPI: {api_url}/api/openapi.json)")
        stack.say(f"Logs: {data_dir / 'logs'}   Stop with Ctrl-C.")
        while not stopping:
            for managed in stack.processes:
                if managed.process.poll() is not None:
                    raise StackError(f"{managed.name} stopped unexpectedly; see {managed.log.name}")
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop_all()
