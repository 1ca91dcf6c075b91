"""The local API server of ``fetms run`` and of the tests that need the API as a process.

It serves the Chalice app through Chalice's own API Gateway emulation (``chalice.local``: routes,
authorizer, event shape) and adds what API Gateway with our Gateway Responses does in AWS but
``chalice local`` does not:

* gateway-level errors are ``application/problem+json`` with the security and CORS headers —
  401 from the authorizer, 404 for an unknown route (``chalice local`` answers 403 and echoes the
  caller's ``Authorization`` header), 413 above API Gateway's 10 MB payload limit;
* a body shorter than its ``Content-Length`` gets 400 after a short read timeout instead of
  holding the connection forever, and chunked bodies get 411 as API Gateway's REST APIs do;
* requests are served concurrently by several worker processes (like several Lambda containers;
  each has its own database and S3 clients) with threads inside each, so one slow request does
  not queue the others.

Development only: never part of the Lambda package.

    python -m fetms_cli.apiserver --host 127.0.0.1 --port 8000 --workers 2 --stage local
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import (
    CustomLocalChalice,
    ForbiddenError,
    LocalChalice,
    LocalGateway,
    LocalGatewayException,
    NotAuthorizedError,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
COMPRESS_ABOVE_BYTES = 1024  # infra sets the same MinimumCompressionSize on the REST API
BODY_READ_TIMEOUT_SECONDS = 5.0
IDLE_CONNECTION_SECONDS = 30.0


def load_app(stage: str) -> tuple[Any, Config]:
    """The Chalice app and its config, with the stage's environment variables applied."""
    factory = CLIFactory(project_dir=str(PROJECT_ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    # As ``chalice local`` does: a thread-local ``current_request`` for concurrent requests.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return app, config


def gateway_problem(status: int, detail: str, origin: str | None) -> tuple[dict[str, str], bytes]:
    """Headers and body of an error the gateway itself answers (no app code ran)."""
    from chalicelib.api.cors import cors_headers_for
    from chalicelib.api.middleware import SECURITY_HEADERS
    from chalicelib.errors import PROBLEM_CONTENT_TYPE, DomainError

    titles = {400: "Bad request", 401: "Authentication required", 404: "Not found"}
    titles |= {411: "Length required", 413: "Payload too large", 500: "Internal Server Error"}
    error = DomainError(detail=detail, status=status, title=titles.get(status, "Error"))
    error.slug = error.title.lower().replace(" ", "-")
    body = json.dumps(error.problem()).encode()
    headers = {
        "Content-Type": PROBLEM_CONTENT_TYPE,
        "Cache-Control": "no-store",
        **SECURITY_HEADERS,
        **cors_headers_for(origin),
    }
    return headers, body


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fetms-local"
    gateway: LocalGateway

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(IDLE_CONNECTION_SECONDS)
        # Headers and body leave in separate writes: without this the body waits for the
        # client's delayed ACK (Nagle), ~40 ms on every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _handle(self) -> None:
        origin = self.headers.get("Origin")
        if self.headers.get("Transfer-Encoding"):
            self._problem(411, "Send the body with a Content-Length header", origin, close=True)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._problem(400, "The Content-Length header is not a number", origin, close=True)
            return
        if length < 0:
            self._problem(400, "The Content-Length header is negative", origin, close=True)
            return
        if length > GATEWAY_MAX_BODY_BYTES:
            detail = f"The request body exceeds {GATEWAY_MAX_BODY_BYTES} bytes"
            self._problem(413, detail, origin, close=True)
            return
        body = self._read_body(length)
        if body is None:
            detail = "The request body is shorter than its Content-Length"
            self._problem(400, detail, origin, close=True)
            return
        try:
            response = self.gateway.handle_request(
                method=self.command,
                path=self.path,
                headers=dict(self.headers),
                body=body or None,
            )
        except NotAuthorizedError:
            self._problem(401, "A valid bearer token is required", origin)
            return
        except ForbiddenError:
            self._problem(404, f"No route {self.command} {self.path.split('?')[0]}", origin)
            return
        except LocalGatewayException:
            self._problem(500, "The authorizer failed", origin)
            return
        headers = {**response["headers"], **response.get("multiValueHeaders", {})}
        payload = response.get("body")
        if response.get("isBase64Encoded") and payload is not None:
            import base64

            payload = base64.b64decode(payload)
        self._send(response["statusCode"], headers, payload)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _handle

    def _read_body(self, length: int) -> bytes | None:
        """The body, or None when fewer than ``length`` bytes arrive in time."""
        if length == 0:
            return b""
        self.connection.settimeout(BODY_READ_TIMEOUT_SECONDS)
        chunks: list[bytes] = []
        received = 0
        try:
            while received < length:
                chunk = self.rfile.read1(min(65536, length - received))
                if not chunk:
                    return None
                chunks.append(chunk)
                received += len(chunk)
        except TimeoutError:
            return None
        finally:
            self.connection.settimeout(IDLE_CONNECTION_SECONDS)
        return b"".join(chunks)

    def _problem(self, status: int, detail: str, origin: str | None, close: bool = False) -> None:
        headers, body = gateway_problem(status, detail, origin)
        if close:
            headers["Connection"] = "close"
            self.close_connection = True
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, Any], body: str | bytes | None) -> None:
        data = body.encode() if isinstance(body, str) else (body or b"")
        if self._compressible(headers, data):
            data = gzip.compress(data, compresslevel=5)
            headers = {**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() == "content-length":
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, str(item))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def _compressible(self, headers: dict[str, Any], data: bytes) -> bool:
        """As API Gateway with ``MinimumCompressionSize``: over 1 kB, when the client accepts."""
        accepted = (self.headers.get("Accept-Encoding") or "").lower()
        kind = str(next((v for k, v in headers.items() if k.lower() == "content-type"), ""))
        already = any(k.lower() == "content-encoding" for k in headers)
        textual = kind.startswith(("application/json", "application/problem+json", "text/"))
        return len(data) > COMPRESS_ABOVE_BYTES and "gzip" in accepted and textual and not already

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def serve(host: str, port: int, workers: int, stage: str) -> int:
    """Bind once, fork ``workers`` serving processes, stop them all on SIGTERM/SIGINT."""
    app, config = load_app(stage)
    handler = type("Handler", (ApiRequestHandler,), {"gateway": LocalGateway(app, config)})
    listener = socket.create_server((host, port), backlog=128)
    parent = os.getpid()
    children: list[int] = []
    for _ in range(max(1, workers)):
        pid = os.fork()
        if pid == 0:
            _run_worker(listener, handler, parent)
        children.append(pid)
    print(f"Serving on http://{host}:{port} ({len(children)} workers)", flush=True)

    def stop(signum: int, frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        pid, _status = os.wait()  # a worker died: replace it, keep serving
        if pid in children:
            children.remove(pid)
            new = os.fork()
            if new == 0:
                _run_worker(listener, handler, parent)
            children.append(new)


def _run_worker(listener: socket.socket, handler: type[ApiRequestHandler], parent: int) -> None:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = ThreadingHTTPServer(listener.getsockname()[:2], handler, bind_and_activate=False)
    server.socket = listener
    server.daemon_threads = True

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)  # the parent was killed: do not linger as an orphan holding the port

    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        server.serve_forever()
    finally:
        os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fetms-apiserver", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 2))
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    return serve(args.host, args.port, args.workers, args.stage)


if __name__ == "__main__":
    sys.exit(main())
