"""Child process: add annotations to a database in a loop, printing each id once it is durable.

Usage: python -m tests.store_helpers.writer_loop DB COUNT TAG
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotations.model import Annotation
from annotations.storage import AnnotationStore

TEXT = "The quick brown fox jumps over the lazy dog. " * 20


def main() -> None:
    """Add COUNT annotations (0 = forever), one line of output per durable add."""
    db, count, tag = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    store = AnnotationStore(db)
    number = 0
    while count == 0 or number < count:
        start = (number * 7) % 400
        annotation = Annotation.create(
            article_id="article", path="/articles/a.txt", text=TEXT, start=start,
            end=start + 20, note=f"{tag} note {number} " + "x" * (number % 50), tags=[tag],
        )
        store.add(annotation)
        sys.stdout.write(annotation.id + "\n")
        sys.stdout.flush()
        number += 1


if __name__ == "__main__":
    main()
