"""Write the API's OpenAPI document (what ``GET /api/openapi.json`` serves) to a file or stdout.

The SPA's client is generated from it: ``make api-client``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    import app  # noqa: F401 - registers every route
    from chalicelib.api.openapi import build_openapi

    text = json.dumps(build_openapi(), indent=2, ensure_ascii=False) + "\n"
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
