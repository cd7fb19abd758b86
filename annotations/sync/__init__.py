"""Sync through a folder another program carries (Syncthing, Dropbox, Nextcloud, git).

Each device writes only its own files in the folder (its changes, in segments, and a
``device.json``); merging reads the others' files and applies their changes through the same
field-level merge the local database uses, so the result does not depend on the order files
arrive in, on files arriving twice, or on which device merges first. See
:mod:`annotations.sync.engine` for the steps, :mod:`annotations.sync.layout` for the folder,
:mod:`annotations.sync.segments` for the file format and :mod:`annotations.sync.git` for git
as the transport.
"""

from annotations.sync.engine import (
    DeviceStatus,
    ForgetError,
    Forgotten,
    Incoming,
    MergeReport,
    SyncFolder,
    SyncStatus,
    merge_store,
)

__all__ = ["DeviceStatus", "ForgetError", "Forgotten", "Incoming", "MergeReport", "SyncFolder",
           "SyncStatus", "merge_store"]
