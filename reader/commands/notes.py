"""``postil notes``: list annotations, re-anchored against the articles as they are now."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from annotations.anchoring import needs_review
from annotations.model import AnchorStatus, Annotation, normalize_tag
from reader.article_access import ArticleScope, OutsideLibrary
from reader.cli import Context
from reader.commands.annotation_records import annotation_record
from reader.commands.common import relocated_articles
from reader.loading import ArticleError
from reader.reanchoring import reanchor
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


@dataclass(frozen=True, slots=True)
class PathFilter:
    """Which article paths the user asked for: given files, and anything under given folders.

    Matching is by path text, so articles that were deleted (their annotations orphaned) are
    still selected by their old path or folder.
    """

    files: frozenset[str]
    folders: tuple[str, ...]

    @classmethod
    def from_arguments(cls, paths: Sequence[str]) -> PathFilter:
        """Build the filter from command-line paths (relative to the working directory)."""
        files: set[str] = set()
        folders: list[str] = []
        for given in paths:
            normal = _normal(given)
            if os.path.isdir(normal):
                folders.append(normal.rstrip(os.sep) + os.sep)
            else:
                files.add(normal)
        return cls(frozenset(files), tuple(folders))

    def matches(self, path: str) -> bool:
        """Tell whether an article at ``path`` was asked for."""
        normal = _normal(path)
        return normal in self.files or normal.startswith(self.folders)


def _normal(path: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(path)))


def _title_from_path(path: str) -> str:
    stem = Path(path).stem.replace("_", " ").replace("-", " ")
    return clean_line(" ".join(stem.split()) or Path(path).name)


def _anchoring(annotation: Annotation) -> tuple[object, ...]:
    return (annotation.position, annotation.status, annotation.path, annotation.article_id,
            annotation.score)


def collect(store_annotations: list[Annotation], wanted: PathFilter | None,
            moved: dict[str, str] | None = None, scope: ArticleScope | None = None
            ) -> tuple[list[tuple[str, Annotation]], list[Annotation]]:
    """Group by article, load and re-anchor each wanted article.

    Returns ``(title, annotation)`` rows — ordered by title, then position, orphans last
    within an article — and the annotations whose position, status, path or article id
    changed (to be saved back). ``moved`` maps old article paths to where the same article
    (same content id) is now; ``wanted`` None means every article. Only articles inside
    ``scope`` are opened (None: nothing is); the others are listed as last anchored.
    """
    groups: dict[str, list[Annotation]] = {}
    rows: list[tuple[str, Annotation]] = []
    for annotation in store_annotations:
        if annotation.quote_only:
            if wanted is None and annotation.source is not None:
                rows.append((annotation.source.title or annotation.source.url, annotation))
            continue
        path = (moved or {}).get(annotation.path, annotation.path)
        if path != annotation.path:
            annotation = replace(annotation, path=path)
        if wanted is None or wanted.matches(path):
            groups.setdefault(path, []).append(annotation)
    before = {a.id: _anchoring(a) for a in store_annotations}
    changed: list[Annotation] = []
    for path, members in groups.items():
        try:
            article = (scope or ArticleScope(())).load(path)
        except OutsideLibrary:
            title = _title_from_path(path)  # not opened: shown as last anchored
            current = members
        except ArticleError:
            title = _title_from_path(path)
            current = [replace(a, status=AnchorStatus.ORPHANED) for a in members]
        else:
            title = article.meta.title
            current = reanchor(members, article).annotations
        changed.extend(a for a in current if before[a.id] != _anchoring(a))
        current.sort(key=lambda a: (a.status is AnchorStatus.ORPHANED, a.start, a.end))
        rows.extend((title, annotation) for annotation in current)
    # Stable sort: each article's own order (position, orphans last) is kept.
    rows.sort(key=lambda row: (row[0].casefold(), row[0], row[1].path))
    return rows, changed


def merge_anchoring(changed: Iterable[Annotation], read: dict[str, Annotation],
                    fresh: Iterable[Annotation]) -> list[Annotation]:
    """The re-anchored annotations to save, applied to the database's current records.

    Another postil (the reader) may have edited a note or deleted a highlight since ``read``
    was taken: deleted ones are not brought back, edits are kept, and an annotation someone
    else re-anchored in the meantime is left as they saved it.
    """
    now = {a.id: a for a in fresh}
    result = []
    for annotation in changed:
        current, original = now.get(annotation.id), read.get(annotation.id)
        if current is None or original is None:
            continue
        if (current.position, current.quote) != (original.position, original.quote):
            continue
        result.append(replace(current, position=annotation.position, status=annotation.status,
                              path=annotation.path, article_id=annotation.article_id,
                              score=annotation.score))
    return result


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
