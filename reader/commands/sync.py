"""``postil sync``: merge the other machines' changes now (the domain is
:mod:`annotations.sync`; settings and shared pieces in :mod:`reader.sync`)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from annotations.storage import StoreError
from annotations.sync import ForgetError, MergeReport, SyncFolder
from annotations.sync.engine import renew_device_id
from annotations.sync.git import GitError, git_sync
from reader.cli import CommandError, Context
from reader.sync import configured_sync_dir, forgotten_lines, status_lines
from reader.terminal_output import err, print_json

HELP = "sync annotations with your other machines through a synced folder (or git)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``sync`` options."""
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--status", action="store_true",
                      help="list the devices in the sync folder, when each last synced and "
                           "what waits to be merged")
    what.add_argument("--git", action="store_true",
                      help="the sync folder is a git work tree: commit this device's files, "
                           "pull, merge, push")
    what.add_argument("--new-device-id", action="store_true",
                      help="give this machine a new device id (when two machines share one, "
                           "e.g. after copying a home folder)")
    what.add_argument("--forget", metavar="DEVICE",
                      help="mark a device that will not sync again as gone (its id or name, "
                           "as --status shows it), so old segments no longer wait for it")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _sync(context: Context) -> SyncFolder:
    if configured_sync_dir(context.sync_dir, context.config_path) is None:
        raise CommandError("no sync folder is set: set sync_dir in the settings "
                           f"({context.config_path}), or use --sync-dir DIR / POSTIL_SYNC_DIR")
    context.open_store()
    assert context.sync is not None
    return context.sync


def _report_json(report: MergeReport) -> dict[str, Any]:
    data = asdict(report)
    data["summary"] = report.summary()
    data["changes"] = report.changes
    return data


def run(args: argparse.Namespace, context: Context) -> int:
    """Merge now (or show the status, forget a device, or sync through git)."""
    sync = _sync(context)
    if args.status:
        status = sync.status()
        if args.json:
            print_json({**asdict(status), "folder": str(status.folder)})
        else:
            print("\n".join(status_lines(status)))
        _warn(status.problems, status.clash)
        return 0
    if args.forget is not None:
        try:
            forgotten = sync.forget(args.forget)
        except ForgetError as error:
            raise CommandError(f"cannot forget {args.forget!r}: {error}") from None
        except OSError as error:
            raise CommandError(f"cannot write to the sync folder {sync.root}: "
                               f"{error.strerror or error}") from None
        if args.json:
            print_json(asdict(forgotten))
        else:
            print("\n".join(forgotten_lines(forgotten)))
        return 0
    if args.new_device_id:
        try:
            old, new = renew_device_id(sync)
        except (StoreError, OSError) as error:
            raise CommandError(f"cannot change the device id: {error}") from None
        print(f"this machine is now device {new} (was {old}); run `postil sync` to share its "
              "annotations under the new id")
        return 0
    report: MergeReport | None = None

    def merge() -> None:
        nonlocal report
        report = sync.merge()

    try:
        if args.git:
            own = [sync.root / sync.device]
            git = git_sync(sync.sync_dir, own, merge)
            notes = git.notes
        else:
            merge()
            notes = []
    except GitError as error:
        raise CommandError(str(error)) from None
    except StoreError as error:
        raise CommandError(str(error)) from None
    assert report is not None
    if report.busy:
        raise CommandError("another postil on this machine is syncing; try again in a moment")
    if args.json:
        print_json(_report_json(report))
    elif not report.folder_missing:
        print(report.summary())
        if report.shared:
            print(f"shared {report.shared} change{'s' * (report.shared != 1)} of this device")
    for note in notes:
        err(note)
    if report.folder_missing:  # not "nothing new": nothing could be looked at
        _warn([p for p in report.problems if p != report.folder_missing], report.clash)
        if args.json:
            return 1
        raise CommandError(report.folder_missing)
    _warn(report.problems, report.clash)
    return 0


def _warn(problems: list[str], clash: str) -> None:
    for problem in problems:
        err(f"warning: {problem}")
    if clash:
        err(f"warning: {clash}")
