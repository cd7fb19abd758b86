"""``postil config``: where postil keeps things, and the effective settings."""

from __future__ import annotations

import argparse
from typing import Any

from reader import paths
from reader.cli import Context
from reader.config import LoadedSettings, load_settings
from reader.json_output import dumps_json
from reader.terminal_output import err, print_json

HELP = "show the settings file, the effective settings and where postil keeps its data"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``config`` options."""
    parser.add_argument("--json", action="store_true", help="print JSON")


def _file_state(loaded: LoadedSettings) -> str:
    """What is at the settings path, as a note after it ("" for a file that was read)."""
    if not loaded.exists:
        return "  (not created yet: defaults in use)"
    if loaded.unread is None:
        return ""
    verb = "refused" if loaded.refused else "not readable"
    return f"  ({loaded.unread}: {verb}; defaults in use)"


def run(args: argparse.Namespace, context: Context) -> int:
    """Print paths, settings and any problems with the settings file."""
    loaded = load_settings(context.config_path)
    source = context.library_source()
    report: dict[str, Any] = {
        "config_file": str(context.config_path),
        "config_exists": loaded.exists,
        "config_unread": loaded.unread,
        "database": str(context.db_path),
        "library": [str(root) for root in source.roots],
        "library_is_sample": source.is_sample,
        "cache_dir": str(paths.cache_dir()),
        "export_dir": str(loaded.settings.export_path() or paths.default_export_dir()),
        "settings": loaded.settings.as_dict(),
        "problems": loaded.problems,
    }
    if args.json:
        print_json(report)
    else:
        state = _file_state(loaded)
        print(f"settings file: {report['config_file']}{state}")
        print(f"database:      {report['database']}")
        sample = "  (bundled sample)" if source.is_sample else ""
        print(f"library:       {', '.join(report['library'])}{sample}")
        print(f"cache:         {report['cache_dir']}")
        print(f"exports:       {report['export_dir']}")
        print()
        print("effective settings:")
        for name, value in loaded.settings.as_dict().items():
            print(f"  {name} = {dumps_json(value)}")
    for problem in loaded.problems:
        err(f"warning: {problem}")
    return 0
