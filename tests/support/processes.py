"""Dependencies as processes a test can kill (-9), freeze (SIGSTOP) and restart: a SecantusDB
daemon on disk (same port and data directory after a restart) and a SeaweedFS S3 server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fetms_cli.seaweedfs import S3Credentials
from tests.support.servers import _wait_for_mongo, free_port, s3_server, stop_process

# As the local stack runs it: SecantusDB acknowledges ``commitTransaction`` before its journal is
# on disk unless told to fsync on every commit (j:true alone covers only plain writes there).
SYNC = ["--sync-on-commit"]


class MongoProcess:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*argv, "--storage-path", str(self.data_dir), "--log-level", "WARNING", *SYNC],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_mongo(self.uri, self.process, timeout=30)

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def kill9(self) -> None:
        """Crash the server: no shutdown, no flush."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            stop_process(self.process)


class S3Process:
    """A SeaweedFS server as a process a test may freeze or kill."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def signal(self, signum: signal.Signals) -> None:
        os.kill(self.process.pid, signum)

    def kill9(self) -> None:
        self.process.kill()
        self.process.wait()


@contextmanager
def s3_process() -> Iterator[S3Process]:
    """A dedicated SeaweedFS (not the session's), so freezing it touches no other test. It
    accepts the session's keys (``AWS_*`` of the environment the ``services`` fixture set), so
    clients configured for the session sign for it too."""
    keys = S3Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    with s3_server(["http://127.0.0.1:5173"], credentials=keys) as server:
        try:
            assert server.process is not None
            yield S3Process(server.process, server.url)
        finally:
            if server.process is not None and server.process.poll() is None:
                os.kill(server.process.pid, signal.SIGCONT)
