"""Small helpers to call the API through the Chalice test client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: Any

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class Api:
    """JSON calls with sensible defaults; ``raw`` sends bytes untouched."""

    def __init__(self, client: Any, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Result:
        all_headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.client.http.request(method, path, headers=all_headers, body=payload or b"")
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return Result(status=response.status_code, headers=dict(response.headers), body=parsed)

    def get(self, path: str, **kw: Any) -> Result:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.call("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Result:
        return self.call("DELETE", path, **kw)
