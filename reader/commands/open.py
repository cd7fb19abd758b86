"""``postil open`` (the default command): start the reader on the library or one file."""

from __future__ import annotations

import argparse
import sys

from reader.cli import CommandError, Context
from reader.sanitize import clean_line

HELP = "open the reader (default): a FILE opens in the reading view, folders as the library"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``open`` options."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="an article file, or folders")


def run(args: argparse.Namespace, context: Context) -> int:
    """Start the Textual app."""
    from pathlib import Path

    for given in args.paths:
        path = Path(given).expanduser()
        if not path.exists():
            raise CommandError(f"{given}: no such file or folder")
    from reader.ui.app import PostilApp

    app = PostilApp(
        db_path=context.db_path,
        library=context.library_source(args.paths),
        config_path=context.config_path,
    )
    app.session.sync_dir = context.sync_dir
    app.run()
    for line in app.session.exit_report:
        print(f"postil: {clean_line(line)}", file=sys.stderr)
    return app.return_code or 0
