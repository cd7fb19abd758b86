"""``postil edit``: change one annotation from the shell (a field-level change)."""

from __future__ import annotations

import argparse

from annotations.editing import EditError, EditRequest, edit_annotation
from annotations.model import Color
from annotations.storage import StoreError
from reader.article_access import ArticleScope
from reader.cli import CommandError, Context
from reader.commands.annotation_records import annotation_record
from reader.commands.highlight import argument_text, read_note
from reader.loading import ArticleError
from reader.sanitize import clean_line
from reader.terminal_output import print_json

HELP = "change one annotation's note, colour or tags, or delete it"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``edit`` options."""
    parser.add_argument("id", metavar="ID",
                        help="the annotation's id (as `notes --json` prints it; a unique prefix "
                             "of 8 or more characters works)")
    parser.add_argument("--note", metavar="TEXT",
                        help="the new note (Markdown; '' clears it); - reads it from stdin")
    parser.add_argument("--color", choices=[color.value for color in Color],
                        help="the new colour")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="add a tag; repeatable")
    parser.add_argument("--untag", action="append", default=[], metavar="TAG",
                        help="remove a tag; repeatable")
    parser.add_argument("--delete", action="store_true", help="delete the annotation")
    parser.add_argument("--json", action="store_true",
                        help="print the annotation as `notes --json` does")


def _title(path: str, context: Context) -> str:
    """The article's title, as ``notes`` shows it: only a file inside the library is opened."""
    try:
        return ArticleScope.of(context.library_source([])).load(path).meta.title
    except (ArticleError, OSError, ValueError):
        from reader.annotation_listing import title_from_path

        return title_from_path(path)


def run(args: argparse.Namespace, context: Context) -> int:
    """Apply the edit and print what was done."""
    request = EditRequest(
        note=read_note(args.note) if args.note is not None else None,
        color=Color(args.color) if args.color else None,
        add_tags=[clean_line(argument_text(tag)) for tag in args.tag],
        remove_tags=[clean_line(argument_text(tag)) for tag in args.untag],
        delete=args.delete,
    )
    if not context.db_path.exists():
        raise CommandError("no annotations yet: the database does not exist")
    store = context.open_store()
    try:
        result = edit_annotation(store, argument_text(args.id), request)
    except EditError as error:
        raise CommandError(clean_line(str(error))) from None
    except StoreError as error:
        raise CommandError(str(error)) from None
    shown = result.after or result.before
    if args.json:
        record = annotation_record(shown, _title(shown.path, context))
        if result.after is None:
            record["deleted"] = True
        print_json(record)
    elif result.after is None:
        print(f"deleted {clean_line(shown.id)}")
    elif result.changed:
        print(f"changed {', '.join(result.changed)} of {clean_line(shown.id)}")
    else:
        print(f"unchanged: {clean_line(shown.id)} already is as asked")
    return 0
