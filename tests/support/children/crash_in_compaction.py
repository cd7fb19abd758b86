"""Child process: log five highlights, then SIGKILL itself at a step of compacting the log.

Usage: ``python -m tests.support.children.crash_in_compaction DB STAGE`` (the database must be
big enough for changes to go to the log). The stages are those of
:mod:`tests.support.children.crash_in_write`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotations.model import Annotation
from annotations.storage import AnnotationStore
from tests.support.children.crash_in_write import TEXT, arm


def main(argv: list[str]) -> int:
    """Append five highlights durably (printing their ids), then crash inside compaction."""
    db, stage = Path(argv[0]), argv[1]
    store = AnnotationStore(db)
    for number in range(5):
        annotation = Annotation.create(article_id="crash", path="/crash.txt", text=TEXT,
                                       start=number, end=number + 30, note=f"logged {number}")
        store.add(annotation)
        print(annotation.id, flush=True)
    arm(stage)
    store.compact()
    print("survived", flush=True)  # never reached
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
