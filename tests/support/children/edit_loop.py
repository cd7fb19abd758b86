"""Child process: change one field of one annotation COUNT times, at random moments.

Usage: ``python -m tests.support.children.edit_loop DB ID FIELD COUNT SEED GO_FILE``

FIELD is ``note`` (values ``note-<n>``), ``color`` (cycling through the colours) or ``tags``
(``["t<n>"]``). Each change starts from this process's own copy of the annotation, read once at
the start — the stale copy a second reader window would hold — and is written as a field-level
change. After each write returns, the value is printed, so the parent knows the last one.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from annotations.changelog import Change
from annotations.model import Color
from annotations.storage import AnnotationStore
from tests.support.children.add_loop import wait_for

COLORS = [color.value for color in Color]


def value(field: str, number: int) -> object:
    """The ``number``-th value this loop writes into ``field``."""
    if field == "note":
        return f"note-{number}"
    if field == "color":
        return COLORS[number % len(COLORS)]
    return [f"t{number}"]


def main(argv: list[str]) -> int:
    """Run the loop described in the module docstring."""
    db, ident, field, count, seed = Path(argv[0]), argv[1], argv[2], int(argv[3]), int(argv[4])
    store = AnnotationStore(db)
    stale = store.get(ident)  # the copy this writer changes, never re-read
    assert stale is not None
    rng = random.Random(seed)
    print("ready", flush=True)
    wait_for(Path(argv[5]))
    for number in range(count):
        after = stale.edited(**{field: value(field, number)})
        # What the reader sends: the fields that differ from its copy. A value equal to the
        # copy's (yellow again) in the same second would be no change at all: send it anyway.
        change = Change.between(stale, after) or Change.edit(ident, **{
            field: after.to_record()[field]})
        store.apply_changes([change])
        print(number, flush=True)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.004))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
