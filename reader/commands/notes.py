"""``postil notes``: list annotations, re-anchored against the articles as they are now."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from annotations.model import AnchorStatus, Annotation, normalize_tag
from reader.cli import Context
from reader.commands.annotation_records import annotation_record
from reader.commands.common import relocated_articles
from reader.library import LibrarySource
from reader.loading import ArticleError, load_article
from reader.sanitize import clean_line

HELP = "list annotations (all, or those of the given articles/folders)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``notes`` options."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="articles or folders")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="only annotations with this tag; repeatable (all must match)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")


def _title_from_path(path: str) -> str:
    stem = Path(path).stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split()) or Path(path).name


def collect(store_annotations: list[Annotation], paths: list[str] | None,
            moved: dict[str, str] | None = None
            ) -> tuple[list[tuple[str, Annotation]], list[Annotation]]:
    """Group by article, load and re-anchor each; returns (title, annotation) rows and the
    annotations whose position, status or path changed (to be saved back).

    ``moved`` maps old article paths to where the same article (same content id) is now.
    """
    from annotations.anchoring import anchor_all

    groups: dict[str, list[Annotation]] = {}
    for annotation in store_annotations:
        path = (moved or {}).get(annotation.path, annotation.path)
        if path != annotation.path:
            annotation = replace(annotation, path=path)
        groups.setdefault(path, []).append(annotation)
    originals = {a.id: a for a in store_annotations}
    wanted = None
    if paths is not None:
        wanted = {str(p) for p in LibrarySource([Path(p) for p in paths]).article_paths()}
    rows: list[tuple[str, Annotation]] = []
    changed: list[Annotation] = []
    for path, members in groups.items():
        try:
            article = load_article(path)
        except ArticleError:
            title = _title_from_path(path)
            current = [
                a if a.status is AnchorStatus.ORPHANED else _orphaned(a) for a in members
            ]
        else:
            title = article.meta.title
            current = [
                a if a.article_id == article.id else replace(a, article_id=article.id)
                for a in anchor_all(members, article.text)
            ]
            before = {
                a.id: (a.position, a.status, a.path, a.article_id) for a in originals.values()
            }
            changed.extend(
                a for a in current
                if before[a.id] != (a.position, a.status, a.path, a.article_id)
            )
        if wanted is not None and path not in wanted:
            continue
        current.sort(key=lambda a: (a.status is AnchorStatus.ORPHANED, a.start, a.end))
        rows.extend((title, annotation) for annotation in current)
    rows.sort(key=lambda row: (row[0].casefold(), row[1].path))
    return rows, changed


def _orphaned(annotation: Annotation) -> Annotation:
    return replace(annotation, status=AnchorStatus.ORPHANED)


def run(args: argparse.Namespace, context: Context) -> int:
    """Print the annotations."""
    if not context.db_path.exists():
        rows: list[tuple[str, Annotation]] = []
    else:
        store = context.open_store()
        annotations = store.all_annotations()
        missing = {a.path: a.article_id for a in annotations if not Path(a.path).exists()}
        rows, changed = collect(annotations, args.paths or None,
                                relocated_articles(context, missing))
        if changed:
            try:
                store.put_many(changed)
            except Exception as error:  # listing still works on a read-only database
                print(f"postil: warning: could not save re-anchored positions: {error}",
                      file=sys.stderr)
    tags = [normalize_tag(tag) for tag in args.tag if normalize_tag(tag)]
    if tags:
        rows = [row for row in rows if all(tag in row[1].tags for tag in tags)]
    if args.json:
        json.dump([annotation_record(a, title) for title, a in rows], sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No annotations yet. Highlight with h in the reader, or `postil highlight`.")
        return 0
    current_title = None
    for title, annotation in rows:
        if title != current_title:
            if current_title is not None:
                print()
            current_title = title
            print(f"# {clean_line(title)}  ({annotation.path})")
        quote = clean_line(annotation.quote.exact)
        if len(quote) > 160:
            quote = quote[:159] + "…"
        status = "" if annotation.status is AnchorStatus.ANCHORED else f" [{annotation.status}]"
        print(f"  “{quote}” ({annotation.color}){status}  id {annotation.id[:8]}")
        if annotation.note.strip():
            note = clean_line(annotation.note)
            print(f"    ✎ {note if len(note) <= 200 else note[:199] + '…'}")
        if annotation.tags:
            print("    " + " ".join(f"#{clean_line(tag)}" for tag in annotation.tags))
    return 0
