"""``postil notes``: list annotations, re-anchored against the articles as they are now."""

from __future__ import annotations

import argparse

from annotations.anchoring import needs_review
from annotations.model import AnchorStatus, Annotation, normalize_tag
from reader.annotation_listing import PathFilter, collect
from reader.article_access import ArticleScope
from reader.cli import Context
from reader.commands.annotation_records import annotation_record
from reader.commands.common import relocated_articles
from reader.sanitize import clean_line
from reader.terminal_output import err, print_json

HELP = "list annotations (all, or those of the given articles/folders)"

#: Longest quote and note shown in the plain listing (characters, before the ellipsis).
QUOTE_CHARS = 160
NOTE_CHARS = 200


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``notes`` options."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="articles or folders (also deleted ones: their orphaned notes)")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="only annotations with this tag; repeatable (all must match)")
    parser.add_argument(
        "--status", metavar="LIST", type=parse_statuses,
        help="only these placements, comma separated: exact, moved, fuzzy, review (fuzzy "
        "below the confidence threshold), orphan, quote-only",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")


#: ``--status`` names (and their aliases) → the placement they select.
STATUS_NAMES: dict[str, str] = {
    "exact": "exact", "anchored": "exact", "moved": "moved", "fuzzy": "fuzzy",
    "review": "review", "needs-review": "review", "orphan": "orphan", "orphaned": "orphan",
    "quote-only": "quote-only", "quote_only": "quote-only", "unmatched": "quote-only",
}


def parse_statuses(value: str) -> frozenset[str]:
    """Parse ``--status fuzzy,orphan`` (argparse type)."""
    chosen = set()
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in STATUS_NAMES:
            known = ", ".join(sorted(set(STATUS_NAMES.values())))
            raise argparse.ArgumentTypeError(f"unknown status {clean_line(name)!r} ({known})")
        chosen.add(STATUS_NAMES[name])
    if not chosen:
        raise argparse.ArgumentTypeError("no status given")
    return frozenset(chosen)


def placement(annotation: Annotation) -> set[str]:
    """The ``--status`` names an annotation answers to."""
    if annotation.quote_only:
        return {"quote-only"}
    names = {
        AnchorStatus.ANCHORED: "exact", AnchorStatus.MOVED: "moved",
        AnchorStatus.FUZZY: "fuzzy", AnchorStatus.ORPHANED: "orphan",
    }
    found = {names[annotation.status]}
    if needs_review(annotation):
        found.add("review")
    return found


def _shorten(text: str, limit: int) -> str:
    line = clean_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def print_plain(rows: list[tuple[str, Annotation]]) -> None:
    """Print the listing for people: a heading per article, a few lines per annotation."""
    current_path = None
    for title, annotation in rows:
        if annotation.path != current_path:
            if current_path is not None:
                print()
            current_path = annotation.path
            if annotation.quote_only and annotation.source is not None:
                author = annotation.source.author
                by = f" — {clean_line(author)}" if author else ""
                print(f"# {clean_line(title)}{by}  (quote-only: not in the library)")
            else:
                print(f"# {clean_line(title)}  ({clean_line(annotation.path)})")
        status = _status_label(annotation)
        chapter = f"  · {_shorten(annotation.chapter, 60)}" if annotation.chapter else ""
        print(f"  “{_shorten(annotation.quote.exact, QUOTE_CHARS)}” ({annotation.color})"
              f"{status}{chapter}  id {clean_line(annotation.id)[:8]}")
        if annotation.note.strip():
            print(f"    ✎ {_shorten(annotation.note, NOTE_CHARS)}")
        if annotation.tags:
            print("    " + " ".join(f"#{clean_line(tag)}" for tag in annotation.tags))


def _status_label(annotation: Annotation) -> str:
    if annotation.quote_only:
        return ""
    if annotation.status is AnchorStatus.FUZZY:
        review = ", needs review" if needs_review(annotation) else ""
        return f" [fuzzy {annotation.score:g}%{review}]"
    return "" if annotation.status is AnchorStatus.ANCHORED else f" [{annotation.status}]"


def run(args: argparse.Namespace, context: Context) -> int:
    """Print the annotations (re-anchored; changed positions are saved back)."""
    wanted = PathFilter.from_arguments(args.paths) if args.paths else None
    rows: list[tuple[str, Annotation]] = []
    if context.db_path.exists():
        store = context.open_store()
        # Stored paths are data: only those inside the library are looked at (see ArticleScope).
        scope = ArticleScope.of(context.library_source(args.paths))
        index = store.article_paths()
        missing = {
            path: article for path, article in index.items() if path and not scope.exists(path)
        }
        moved = relocated_articles(context, missing)
        if wanted is None:
            annotations = store.all_annotations()
        else:  # only the asked-for articles' records are read (from the index)
            selected = wanted
            annotations = store.annotations_where(
                lambda path: selected.matches(moved.get(path, path)))
        rows, changed = collect(annotations, wanted, moved, scope)
        if changed:
            try:  # positions and statuses only, one batch: edits made meanwhile are kept
                store.update_anchors(changed)
            except Exception as error:  # listing still works on a read-only database
                err(f"warning: could not save re-anchored positions: {error}")
    tags = [tag for tag in (normalize_tag(t) for t in args.tag) if tag]
    if tags:
        rows = [row for row in rows if all(tag in row[1].tags for tag in tags)]
    if args.status:
        rows = [row for row in rows if placement(row[1]) & args.status]
    if args.json:
        print_json([annotation_record(a, title) for title, a in rows])
    elif rows:
        print_plain(rows)
    elif args.paths or tags or args.status:
        print("No annotations match.")
    else:
        print("No annotations yet. Highlight with h in the reader, or `postil highlight`.")
    return 0
