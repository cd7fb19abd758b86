"""The ``postil`` command line: the TUI by default, and a subcommand for everything scriptable.

``postil [PATH...]`` opens the app (a file opens straight in the reading view, folders as the
library). Each subcommand lives in its own module under :mod:`reader.commands` and provides
``HELP``, ``configure(parser)`` and ``run(args, context) -> int``.

Errors are one line on stderr and a non-zero exit: :class:`CommandError` for expected problems
(exit 1, or its own code), 2 for usage errors (argparse), 70 for a bug (no traceback unless
``POSTIL_DEBUG`` is set).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from reader import __version__, paths

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore
    from annotations.sync import SyncFolder
    from reader.library import LibrarySource

#: Subcommands and their one-line help; each is the module ``reader.commands.<name>``
#: (``import`` is ``import_``). Only the module of the command being run is imported.
COMMANDS: dict[str, str] = {
    "open": "open the reader (default): a FILE opens in the reading view, folders as the library",
    "list": "list the articles in the library",
    "highlight": "highlight a quote in an article (with an optional note, tags and colour)",
    "notes": "list annotations (all, or those of the given articles/folders)",
    "toc": "print a book's table of contents (title, level, start offset); --json for scripts",
    "search": "search the library's passages (typo-tolerant); --batch for scripts",
    "export": "export highlights, notes and tags as Markdown (Obsidian/Logseq) or W3C JSON",
    "edit": "change one annotation's note, colour or tags, or delete it",
    "import": "import highlights from Kindle, KOReader, Readwise, Hypothesis or W3C JSON",
    "add": "add article files or web pages to your library (pages are stored as Markdown)",
    "refresh": "fetch web articles again (highlights re-anchored; unchanged pages untouched)",
    "review": "today's spaced review of your highlights (--answer to record one, --stats)",
    "config": "show the settings file, the effective settings and where postil keeps its data",
    "sync": "sync annotations with your other machines through a synced folder (or git)",
}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS)


class CommandError(Exception):
    """An expected failure: printed as one line on stderr, exit ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Context:
    """What every command needs: where the database, library and settings are.

    Attributes:
        db_path: The annotation database file.
        library: Library folders from ``--library`` / ``POSTIL_LIBRARY`` (empty: the default).
        config_path: The settings file.
    """

    db_path: Path
    library: list[Path] = field(default_factory=list)
    config_path: Path = field(default_factory=paths.default_config_path)
    stores: list[AnnotationStore] = field(default_factory=list, repr=False)
    sync_dir: Path | None = None
    """The sync folder from ``--sync-dir`` / ``POSTIL_SYNC_DIR`` (None: the setting, if any)."""
    sync: SyncFolder | None = field(default=None, repr=False)
    """The sync folder the opened store shares its changes with (None without sync)."""

    def library_source(self, given: Sequence[str | Path] = ()) -> LibrarySource:
        """Resolve what the library is: ``given`` paths, else flags/env/settings, else default."""
        from reader.library import resolve_library

        return resolve_library([Path(p) for p in given], self.library, self.config_path)

    def open_store(self, *, load: bool = True) -> AnnotationStore:
        """Open the annotation database (raises CommandError if it is damaged or unreadable).

        ``load=False`` is for commands that only add or change: the database is then not
        parsed (the change is appended to its log). Changes kept in a pending file by an
        earlier run that found the database locked are saved now, and said so on stderr.
        The store is compacted (if due) when the command ends.
        """
        from annotations.storage import AnnotationStore, StoreError

        try:
            store = AnnotationStore(self.db_path, load=load)
        except StoreError as error:
            raise CommandError(str(error)) from None
        self.stores.append(store)
        from reader.sync import attach_sync

        self.sync = attach_sync(store, self.sync_dir, self.config_path)
        try:
            recovered = store.recover_pending()
        except StoreError:
            recovered = 0  # still locked: they stay pending (and are read meanwhile)
        if recovered:
            print(f"postil: saved {recovered} change{'s' * (recovered != 1)} kept from an "
                  "earlier run (the database was locked when it quit)", file=sys.stderr)
        return store

    def close(self) -> None:
        """Fold the change log into the database if that is due (best effort)."""
        for store in self.stores:
            store.close()
        self.stores.clear()


def _command_module(name: str) -> ModuleType:
    module_name = "import_" if name == "import" else name
    return importlib.import_module(f"reader.commands.{module_name}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser: every subcommand is listed; ``command``'s options (or, when
    None, every command's) are configured from its module."""
    parser = argparse.ArgumentParser(
        prog="postil",
        description="A terminal reader that keeps your marginalia. "
        "Run without a command to open the reader; `postil FILE` opens one article.",
        epilog="Run `postil COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"postil {__version__}")
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="annotation database (env POSTIL_DB; default: in the user data dir)",
    )
    parser.add_argument(
        "--library",
        metavar="DIR",
        action="append",
        default=[],
        help="library folder; repeatable (env POSTIL_LIBRARY, os.pathsep-separated)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (env POSTIL_CONFIG)"
    )
    parser.add_argument(
        "--sync-dir", metavar="DIR",
        help="sync folder shared with your other machines (env POSTIL_SYNC_DIR; "
             "setting sync_dir)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        if command is None or name == command:
            module = _command_module(name)
            module.configure(sub)
            sub.set_defaults(handler=module.run)
    return parser


_GLOBAL_WITH_VALUE = frozenset({"--db", "--library", "--config", "--sync-dir"})


def _first_positional(argv: list[str]) -> int:
    """Index of the first argument that is not a global option with its value."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in _GLOBAL_WITH_VALUE:
            index += 2
        elif token.startswith("--") and token.split("=")[0] in _GLOBAL_WITH_VALUE:
            index += 1
        else:
            return index
    return index


def _insert_default_command(argv: list[str]) -> list[str]:
    """Make ``postil [globals] [PATH...]`` mean ``postil [globals] open [PATH...]``."""
    index = _first_positional(argv)
    if index < len(argv):
        token = argv[index]
        if token in COMMANDS or (token.startswith("-") and token not in {"-", "--"}):
            return argv  # a command, or an option argparse handles (-h, --version, …)
    return [*argv[:index], "open", *argv[index:]]


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (after global options), if any."""
    index = _first_positional(argv)
    return argv[index] if index < len(argv) and argv[index] in COMMANDS else None


def make_context(args: argparse.Namespace) -> Context:
    """Build the :class:`Context` from global options and the environment."""
    db_path = Path(args.db).expanduser() if args.db else paths.default_db_path()
    library = [Path(p).expanduser() for p in args.library] or paths.env_library_paths()
    config = Path(args.config).expanduser() if args.config else paths.default_config_path()
    sync_dir = Path(args.sync_dir).expanduser() if args.sync_dir else paths.env_sync_dir()
    return Context(db_path=db_path.absolute(), library=library, config_path=config,
                   sync_dir=sync_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Everything printed — by any command, argparse and the error messages below — goes through
    :func:`reader.terminal_output.cleaned_output`: no escape sequence from a file name, an
    imported id or an article reaches the terminal.
    """
    from reader.terminal_output import cleaned_output

    with cleaned_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from reader.terminal_output import err

    arguments = _insert_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(_chosen_command(arguments))
    args = parser.parse_args(arguments)
    context = make_context(args)
    try:
        try:
            return int(args.handler(args, context) or 0)
        finally:
            context.close()
    except CommandError as error:
        err(str(error))
        return error.code
    except KeyboardInterrupt:
        print("postil: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into `head`): not an error worth a message.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush
        except OSError:
            pass
        return 0
    except Exception as error:
        if os.environ.get("POSTIL_DEBUG"):
            raise
        err(f"internal error: {type(error).__name__}: {error} "
            "(set POSTIL_DEBUG=1 for details)")
        return 70
