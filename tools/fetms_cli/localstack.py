"""The local stack behind ``fetms run``: SecantusDB, SeaweedFS (S3) and the API server.

Each server is a :class:`ServiceSpec` (command, ports, readiness check) run by a supervisor
(:class:`LocalStack`): a child that dies is reported and restarted on the same port with the same
data while the others keep running (the API answers 503 meanwhile); Ctrl-C stops them all. Once
everything answers, the endpoints and generated S3 keys are written to
``<LOCAL_DATA_DIR>/stack.json`` for the other ``fetms`` commands (:mod:`fetms_cli.stackfile`).

A server is one ``stack.start(spec)`` call in :func:`run_local_stack`; the web app's spec comes
from its own module (:mod:`fetms_cli.spa`), so it is supervised like the others.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from chalicelib.settings import Settings, get_settings, reset_settings
from fetms_cli import seaweedfs
from fetms_cli.common import redact_uri
from fetms_cli.seaweedfs_binary import BuildError, ensure_binary
from fetms_cli.stackfile import (
    StackFileError,
    StackInfo,
    local_data_dir,
    process_alive,
    read_stack_file,
    remove_stack_file,
    stack_file_path,
    write_stack_file,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.25
MAX_RETRY_DELAY_SECONDS = 30.0


class StackError(Exception):
    """A problem the user can fix (port in use, missing tool); printed without a traceback."""


@dataclass(frozen=True)
class Port:
    number: int
    variable: str  # the setting that moves it, named in the "port in use" message
    role: str = ""


@dataclass
class ServiceSpec:
    """How to run one local server: its command, its ports and when it is ready."""

    name: str  # log file name and short name
    title: str  # what the messages call it
    argv: list[str]
    ports: list[Port]
    ready: Callable[[], bool]
    outage: str = "what needs it fails until it is back"  # said when it crashes
    cwd: Path = PROJECT_ROOT
    extra_env: dict[str, str] = field(default_factory=dict)  # over this process's environment
    start_timeout: float = 60.0


State = Literal["starting", "up", "waiting"]


@dataclass
class ManagedProcess:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    state: State = "starting"
    started: float = field(default_factory=time.monotonic)
    restarts: int = 0
    failures: int = 0
    retry_at: float = 0.0


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class LocalStack:
    settings: Settings
    data_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)
    say: Callable[[str], None] = print
    should_stop: Callable[[], bool] = lambda: False

    # ---- ports -------------------------------------------------------------------------------

    def port_free(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.settings.api_host, port))
            except OSError:
                return False
        return True

    def require_port(self, port: int, variable: str, role: str = "") -> None:
        if not self.port_free(port):
            what = f" ({role})" if role else ""
            raise StackError(
                f"Port {port}{what} on {self.settings.api_host} is already in use. "
                f"Set {variable} to a free port (for example `{variable}={port + 100} make run`) "
                f"or stop the program that uses it."
            )

    def require_ports(self, ports: list[Port]) -> None:
        for port in ports:
            self.require_port(port.number, port.variable, port.role)

    # ---- processes ---------------------------------------------------------------------------

    def _spawn(self, spec: ServiceSpec, log: IO[bytes] | None = None) -> ManagedProcess:
        if log is None:
            logs = self.data_dir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            log = (logs / f"{spec.name}.log").open("ab")
        process = subprocess.Popen(
            spec.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **spec.extra_env},
            cwd=spec.cwd,
            start_new_session=True,
        )
        return ManagedProcess(spec=spec, process=process, log=log)

    def start(self, spec: ServiceSpec) -> ManagedProcess:
        """Start a server and wait until it is ready (or fail with the log to look at)."""
        self.require_ports(spec.ports)
        managed = self._spawn(spec)
        self.processes.append(managed)
        deadline = time.monotonic() + spec.start_timeout
        while time.monotonic() < deadline:
            if self.should_stop():
                raise KeyboardInterrupt
            if managed.process.poll() is not None:
                raise StackError(f"{spec.title} exited during start-up; see {managed.log.name}")
            if spec.ready():
                managed.state = "up"
                return managed
            time.sleep(POLL_SECONDS)
        raise StackError(f"{spec.title} did not become ready within {spec.start_timeout:.0f} s")

    def supervise(self) -> None:
        """One pass: notice a crashed server, restart it, report when it answers again."""
        now = time.monotonic()
        for managed in self.processes:
            if managed.state == "up" and managed.process.poll() is not None:
                self._crashed(managed)
            elif managed.state == "starting":
                self._check_restart(managed, now)
            elif managed.state == "waiting" and now >= managed.retry_at:
                self._restart(managed)

    def _crashed(self, managed: ManagedProcess) -> None:
        spec = managed.spec
        self.say(
            f"{spec.title} stopped unexpectedly ({describe_exit(managed.process.returncode)}); "
            f"{spec.outage}. Restarting it on port {spec.ports[0].number} with the same data "
            f"(log: {managed.log.name})"
        )
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(managed.process.pid, signal.SIGKILL)  # anything it left behind
        self._restart(managed)

    def _restart(self, managed: ManagedProcess) -> None:
        busy = [p.number for p in managed.spec.ports if not self.port_free(p.number)]
        if busy:
            self._retry_later(managed, f"port {busy[0]} is still in use")
            return
        fresh = self._spawn(managed.spec, managed.log)
        managed.process = fresh.process
        managed.state = "starting"
        managed.started = time.monotonic()

    def _check_restart(self, managed: ManagedProcess, now: float) -> None:
        spec = managed.spec
        if managed.process.poll() is not None:
            self._retry_later(managed, describe_exit(managed.process.returncode))
        elif spec.ready():
            managed.state = "up"
            managed.restarts += 1
            managed.failures = 0
            self.say(
                f"{spec.title} is back on port {spec.ports[0].number} (restart {managed.restarts})"
            )
        elif now - managed.started > spec.start_timeout:
            self._terminate(managed, timeout=5)
            self._retry_later(managed, f"not ready within {spec.start_timeout:.0f} s")

    def _retry_later(self, managed: ManagedProcess, reason: str) -> None:
        managed.failures += 1
        delay = min(2.0**managed.failures, MAX_RETRY_DELAY_SECONDS)
        managed.state = "waiting"
        managed.retry_at = time.monotonic() + delay
        self.say(
            f"{managed.spec.title} could not be restarted ({reason}); trying again in "
            f"{delay:.0f} s (log: {managed.log.name})"
        )

    def _terminate(self, managed: ManagedProcess, timeout: float) -> None:
        if managed.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(managed.process.pid, signal.SIGTERM)
        try:
            managed.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(managed.process.pid, signal.SIGKILL)
            managed.process.wait()

    def stop_all(self) -> None:
        for managed in reversed(self.processes):
            if managed.process.poll() is None:
                self.say(f"stopping {managed.spec.title} …")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(managed.process.pid, signal.SIGTERM)
        for managed in reversed(self.processes):
            self._terminate(managed, timeout=15)
            managed.log.close()
        self.processes.clear()


# ---- readiness checks ----------------------------------------------------------------------


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


# ---- the servers ---------------------------------------------------------------------------


def mongo_service(settings: Settings, data_dir: Path) -> ServiceSpec:
    storage = data_dir / "mongo"
    storage.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "secantus",
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.mongo_port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
        # Durable transactions: without it SecantusDB acknowledges a commit before its journal
        # is on disk, and kill -9 loses acknowledged writes.
        "--sync-on-commit",
    ]
    return ServiceSpec(
        name="mongo",
        title="SecantusDB (MongoDB)",
        argv=argv,
        ports=[Port(settings.mongo_port, "MONGO_PORT")],
        ready=_mongo_ready(mongo_uri_for(settings)),
        outage="the API answers 503 for requests that need the database until it is back",
    )


def mongo_uri_for(settings: Settings) -> str:
    return f"mongodb://127.0.0.1:{settings.mongo_port}/?directConnection=true"


def s3_service(
    settings: Settings, data_dir: Path, binary: Path, credentials: seaweedfs.S3Credentials
) -> ServiceSpec:
    storage = data_dir / "seaweedfs"
    storage.mkdir(parents=True, exist_ok=True)
    identities = data_dir / "seaweedfs-identities.json"
    seaweedfs.write_identity_config(identities, credentials)
    ports = seaweedfs.SeaweedPorts.block(settings.s3_port)
    return ServiceSpec(
        name="s3",
        title="SeaweedFS (S3)",
        argv=seaweedfs.command(binary, storage, ports, identities, settings.cors_origins),
        ports=seaweed_ports(settings),
        ready=lambda: seaweedfs.is_ready(seaweedfs.endpoint_url(ports), credentials),
        outage="health answers 503 and file uploads/downloads fail until it is back",
    )


def seaweed_ports(settings: Settings) -> list[Port]:
    """S3_PORT and the nine ports after it (SeaweedFS's master, volume, filer, admin, gRPC)."""
    named = seaweedfs.SeaweedPorts.block(settings.s3_port).named().items()
    return [
        Port(number, "S3_PORT", "S3" if i == 0 else f"SeaweedFS {role.replace('_', ' ')}")
        for i, (role, number) in enumerate(named)
    ]


def api_service(settings: Settings) -> ServiceSpec:
    """The API through :mod:`fetms_cli.apiserver` (Chalice's gateway emulation plus what API
    Gateway adds in AWS: problem+json gateway errors, body timeouts, several workers)."""
    argv = [
        sys.executable,
        "-m",
        "fetms_cli.apiserver",
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
        "--stage",
        "local",
    ]
    url = f"http://{settings.api_host}:{settings.api_port}"
    return ServiceSpec(
        name="api",
        title="the API",
        argv=argv,
        ports=[Port(settings.api_port, "API_PORT")],
        ready=_http_ready(f"{url}/api/health"),
        outage="the API refuses connections until it is back",
    )


# ---- the stack -----------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Target:
    url: str
    credentials: seaweedfs.S3Credentials


def start_mongo(stack: LocalStack) -> str:
    s = stack.settings
    if "mongo_uri" in s.model_fields_set:
        stack.say(f"MongoDB: using MONGO_URI from the environment ({redact_uri(s.mongo_uri)})")
        return s.mongo_uri
    stack.start(mongo_service(s, stack.data_dir))
    uri = mongo_uri_for(s)
    stack.say(f"MongoDB (SecantusDB): {uri}  data: {stack.data_dir / 'mongo'}")
    return uri


def start_s3(stack: LocalStack) -> S3Target:
    s = stack.settings
    if s.s3_endpoint_url:
        stack.say(f"S3: using S3_ENDPOINT_URL from the environment ({s.s3_endpoint_url})")
        return S3Target(s.s3_endpoint_url, _environment_credentials())
    try:
        binary = ensure_binary(stack.say)
    except BuildError as exc:
        raise StackError(str(exc)) from exc
    credentials = seaweedfs.S3Credentials.generate()
    stack.start(s3_service(s, stack.data_dir, binary, credentials))
    url = seaweedfs.endpoint_url(seaweedfs.SeaweedPorts.block(s.s3_port))
    stack.say(
        f"S3 (SeaweedFS): {url}  data: {stack.data_dir / 'seaweedfs'}  "
        f"(ports {s.s3_port}-{s.s3_port + seaweedfs.PORTS_PER_SERVER - 1})"
    )
    return S3Target(url, credentials)


def _environment_credentials() -> seaweedfs.S3Credentials:
    """The credentials boto3 finds for an external S3 endpoint (S3_ENDPOINT_URL)."""
    import boto3

    found = boto3.Session().get_credentials()
    if found is None:
        raise StackError(
            "S3_ENDPOINT_URL is set but no credentials were found: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY for that endpoint"
        )
    frozen = found.get_frozen_credentials()
    return seaweedfs.S3Credentials(frozen.access_key, frozen.secret_key)


def prepare_environment(mongo_uri: str, s3: S3Target) -> dict[str, str]:
    """Variables for this process and the API child: endpoints and the S3 keys."""
    env = {
        "FETMS_STAGE": get_settings().fetms_stage,
        "MONGO_URI": mongo_uri,
        "S3_ENDPOINT_URL": s3.url,
        "AWS_ACCESS_KEY_ID": s3.credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.credentials.secret_key,
        "AWS_DEFAULT_REGION": get_settings().aws_region,
    }
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(env)
    reset_settings()
    return env


def stack_info(settings: Settings, s3: S3Target) -> StackInfo:
    return StackInfo(
        pid=os.getpid(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        api_host=settings.api_host,
        api_port=settings.api_port,
        mongo_uri=settings.mongo_uri,
        mongo_db=settings.mongo_db,
        s3_endpoint_url=s3.url,
        aws_access_key_id=s3.credentials.access_key,
        aws_secret_access_key=s3.credentials.secret_key,
        aws_region=settings.aws_region,
        uploads_bucket=settings.uploads_bucket,
        backups_bucket=settings.backups_bucket,
    )


def refuse_second_stack(path: Path) -> None:
    try:
        other = read_stack_file(path)
    except StackFileError:
        return
    if other is not None and other.pid != os.getpid() and process_alive(other.pid):
        raise StackError(
            f"a local stack is already running with this data directory (pid {other.pid}, API "
            f"{other.api_url}); stop it first, or set LOCAL_DATA_DIR to another directory"
        )


def run_local_stack(prepare: Callable[[], list[str]]) -> int:
    """Start everything, run ``prepare`` (buckets, indexes, seed), serve and supervise until
    Ctrl-C; then stop all children."""
    settings = get_settings()
    if not settings.is_local:
        raise StackError(
            f"`fetms run` starts a local stack; FETMS_STAGE={settings.fetms_stage} is not local"
        )
    data_dir = local_data_dir(settings)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    stack = LocalStack(settings=settings, data_dir=data_dir, should_stop=lambda: stopping)
    stack_file = stack_file_path(settings)
    refuse_second_stack(stack_file)
    # Explicit handlers: a shell that starts us in the background ignores SIGINT by default.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        _check_ports_up_front(stack)
        mongo_uri = start_mongo(stack)
        s3 = start_s3(stack)
        prepare_environment(mongo_uri, s3)
        stack.settings = get_settings()
        for line in prepare():
            stack.say(line)
        stack.start(api_service(stack.settings))
        api_url = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
        from fetms_cli.spa import start_spa  # the web app; its own module

        spa_url = start_spa(stack, api_url, s3.url)
        write_stack_file(stack_file, stack_info(stack.settings, s3))
        stack.say("")
        stack.say(f"FETMS web app: {spa_url}  (sign in there; /api is served on the same origin)")
        stack.say(f"FETMS API ready: {api_url}/api/health  (OpenAPI: {api_url}/api/openapi.json)")
        stack.say(f"Logs: {data_dir / 'logs'}   Endpoints: {stack_file}   Stop with Ctrl-C.")
        while not stopping:
            stack.supervise()
            time.sleep(POLL_SECONDS)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        remove_stack_file(stack_file, os.getpid())
        stack.stop_all()


def _check_ports_up_front(stack: LocalStack) -> None:
    """Fail at once (before any build or start) when a port the stack needs is taken."""
    s = stack.settings
    stack.require_port(s.api_port, "API_PORT")
    stack.require_port(s.spa_port, "SPA_PORT")
    if "mongo_uri" not in s.model_fields_set:
        stack.require_port(s.mongo_port, "MONGO_PORT")
    if not s.s3_endpoint_url:
        stack.require_ports(seaweed_ports(s))
