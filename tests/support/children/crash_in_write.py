"""Child process: add one highlight, then SIGKILL itself at a chosen step of the next write.

Usage: ``python -m tests.support.children.crash_in_write DB STAGE``

The first highlight's id is printed once ``add`` has returned. The second ``add`` dies at
STAGE, a step of the atomic write:

* ``half-written``: the temp file holds half the new database;
* ``before-fsync``: the temp file is complete but not yet fsynced;
* ``before-replace``: the temp file is fsynced but not yet moved over the database;
* ``after-replace``: the new file is in place, the directory not yet fsynced.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import annotations.jsonfile as jsonfile
import annotations.storage as storage
from annotations.model import Annotation
from annotations.storage import AnnotationStore

TEXT = "A sentence that the crashing writer highlights twice, at two places in it. " * 4
STAGES = ("half-written", "before-fsync", "before-replace", "after-replace")


def die(*_args: Any, **_kwargs: Any) -> None:
    """Kill this process at once, like a power cut would (no cleanup, no flushing)."""
    os.kill(os.getpid(), signal.SIGKILL)


class HalfWriter:
    """A binary file whose ``write`` writes half of the data, then kills the process."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __enter__(self) -> HalfWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stream.close()

    def write(self, data: bytes) -> int:
        """Write the first half, push it to the OS, and die."""
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        die()
        return 0


def arm(stage: str) -> None:
    """Make the next database write die at ``stage``."""
    if stage == "half-written":
        real_fdopen = os.fdopen

        def half_writer(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            stream = real_fdopen(fd, mode, *args, **kwargs)
            return HalfWriter(stream) if "w" in mode else stream  # reads go on as usual

        storage.os.fdopen = half_writer  # type: ignore[assignment]
    elif stage == "before-fsync":
        storage.os.fsync = die
    elif stage == "before-replace":
        storage.os.replace = die
    elif stage == "after-replace":
        jsonfile.fsync_directory = die
    else:
        raise SystemExit(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")


def main(argv: list[str]) -> int:
    """Add one highlight durably, print its id, then crash inside the next add."""
    db, stage = Path(argv[0]), argv[1]
    store = AnnotationStore(db)
    first = Annotation.create(article_id="crash", path="/crash.txt", text=TEXT, start=2,
                              end=30, note="written before the crash")
    store.add(first)
    print(first.id, flush=True)
    arm(stage)
    second = Annotation.create(article_id="crash", path="/crash.txt", text=TEXT, start=40,
                               end=70, note="being written when the process died")
    print(second.id, file=sys.stderr, flush=True)
    store.add(second)
    print("survived", flush=True)  # never reached
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
