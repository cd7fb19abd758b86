"""Child process: add highlights to a database in a loop, printing each id once it is durable.

Usage: ``python -m tests.support.children.add_loop DB COUNT TAG [GO_FILE]``

* COUNT highlights are added (0 = until killed), one :meth:`AnnotationStore.add` each.
* After each ``add`` returns, the new id is printed on its own line and stdout is flushed, so
  the parent knows exactly which writes were reported durable before it killed this process.
* With GO_FILE, the process opens the store, prints ``ready`` and waits until GO_FILE exists,
  so that two writers can be started at the same moment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from annotations.model import Annotation
from annotations.storage import AnnotationStore

TEXT = "Every highlight in this loop quotes a part of this sentence, again and again. " * 8


def wait_for(go_file: Path, timeout: float = 60.0) -> None:
    """Block until ``go_file`` exists (polling; the parent creates it once all are ready)."""
    deadline = time.monotonic() + timeout
    while not go_file.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{go_file} never appeared")
        time.sleep(0.001)


def main(argv: list[str]) -> int:
    """Run the loop described in the module docstring."""
    db, count, tag = Path(argv[0]), int(argv[1]), argv[2]
    store = AnnotationStore(db)
    if len(argv) > 3:
        print("ready", flush=True)
        wait_for(Path(argv[3]))
    number = 0
    while count == 0 or number < count:
        start = (number * 13) % (len(TEXT) - 60)
        annotation = Annotation.create(
            article_id="loop-article", path="/articles/loop.txt", text=TEXT, start=start,
            end=start + 25 + number % 30, note=f"{tag} {number}", tags=[tag],
        )
        store.add(annotation)
        sys.stdout.write(annotation.id + "\n")
        sys.stdout.flush()
        number += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
