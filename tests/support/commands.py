"""Record the MongoDB commands the app sends (through its dependency seam), for round-trip
budgets: counts are deterministic, unlike timings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from pymongo import monitoring

# Commands that are not round trips the application chose (driver housekeeping).
HOUSEKEEPING = frozenset({"hello", "isMaster", "ismaster", "ping", "endSessions", "buildinfo"})


@dataclass
class CommandLog(monitoring.CommandListener):
    """Every command as ``(name, collection)``, in order."""

    commands: list[tuple[str, str]] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in HOUSEKEEPING:
            return
        target = event.command.get(event.command_name)
        self.commands.append((event.command_name, target if isinstance(target, str) else ""))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def clear(self) -> None:
        self.commands.clear()

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]

    def on(self, collection: str) -> list[str]:
        return [name for name, target in self.commands if target == collection]


@contextmanager
def recording_commands() -> Iterator[CommandLog]:
    """Point the app's dependency seam at a client that records every command."""
    from chalicelib import db as dbmod
    from chalicelib.api import deps

    log = CommandLog()
    live = deps.current()
    client = dbmod.make_client(live.settings, [log])
    try:
        with deps.override(
            lambda: replace(live, db_factory=lambda: client[live.settings.mongo_db])
        ):
            yield log
    finally:
        client.close()
