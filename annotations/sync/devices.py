"""``device.json``: what each device says about itself in the sync folder.

Written (atomically) only by the device whose folder it is in, read by every other one::

    {"format": "postil-sync-device", "version": 1, "device": "3f0c9a1e5b7d2c48",
     "name": "laptop", "host": "9b1c…", "updated": "2026-12-01T10:00:00+00:00",
     "merged": {"b71e04c2a9d35f60/000003.jsonl": {"generation": "…", "offset": 81234}}}

``merged`` is how far this device has merged every other device's files: a device deletes its
old segments only once every device has merged them (:mod:`annotations.sync.engine`).
``forgotten`` (``postil sync --forget``) names devices the user said are gone, each with the
``updated`` its ``device.json`` had then: no device waits for a forgotten one to merge anything
while that file stays as it was (a forgotten device that syncs again counts again). Read from
another device it is untrusted: a file that is too big, malformed, or that names another device
than its folder is ignored (and reported), never a reason to delete anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.sync.layout import DEVICE_FILE, DEVICE_NAME, read_small

DEVICE_FORMAT = "postil-sync-device"
DEVICE_VERSION = 1
MAX_DEVICE_FILE = 4 * 1024 * 1024
MAX_NAME = 64
#: Most forgotten devices read from one file.
MAX_FORGOTTEN = 1_000
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@dataclass(slots=True)
class DeviceInfo:
    """One device's ``device.json``.

    Attributes:
        device: Its id (the folder's name).
        name: What it is called (the host name unless set); shown as "3 changes from laptop".
        host: The mark of the machine that wrote it (see
            :func:`annotations.sync.segments.host_mark`).
        updated: When it last synced (ISO 8601 UTC; "" when unknown).
        merged: ``"<device>/<file>"`` → (generation, offset) it has merged.
        forgotten: Device id → its ``updated`` when this device was told it is gone.
    """

    device: str
    name: str = ""
    host: str = ""
    updated: str = ""
    merged: dict[str, tuple[str, int]] = field(default_factory=dict)
    forgotten: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The file's bytes."""
        record = {"format": DEVICE_FORMAT, "version": DEVICE_VERSION, "device": self.device,
                  "name": self.name, "host": self.host, "updated": self.updated,
                  "merged": {key: {"generation": generation, "offset": offset}
                             for key, (generation, offset) in sorted(self.merged.items())},
                  "forgotten": dict(sorted(self.forgotten.items()))}
        return (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    def label(self) -> str:
        """How the device is named to the user (its name, else its id)."""
        return self.name or self.device


def clean_name(value: Any) -> str:
    """A device name from an untrusted file: printable, one line, at most :data:`MAX_NAME`."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in value).strip()
    return " ".join(text.split())[:MAX_NAME]


def read_device(folder: Path, device: str) -> tuple[DeviceInfo | None, str]:
    """A device's ``device.json`` from its folder, and what was wrong with it ("" if nothing).

    None when there is no usable file (missing, not a regular file, too big, malformed, or
    naming another device than the folder).
    """
    raw = read_small(folder / DEVICE_FILE, MAX_DEVICE_FILE)
    if raw is None:
        return None, ""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{device}/{DEVICE_FILE} is not valid JSON (ignored)"
    if not isinstance(data, dict) or data.get("format") != DEVICE_FORMAT:
        return None, f"{device}/{DEVICE_FILE} is not a postil device file (ignored)"
    if data.get("device") != device:
        return None, (f"{device}/{DEVICE_FILE} says it belongs to another device "
                      f"({clean_name(str(data.get('device')))}); ignored")
    info = DeviceInfo(device, clean_name(data.get("name")))
    host = data.get("host")
    info.host = host if isinstance(host, str) and len(host) <= 64 else ""
    updated = data.get("updated")
    info.updated = updated if isinstance(updated, str) and _ISO.match(updated) else ""
    merged = data.get("merged")
    if isinstance(merged, dict):
        for key, value in list(merged.items())[:100_000]:
            if not (isinstance(key, str) and isinstance(value, dict)):
                continue
            owner = key.split("/", 1)[0]
            generation, offset = value.get("generation"), value.get("offset")
            if (DEVICE_NAME.match(owner) and isinstance(generation, str)
                    and isinstance(offset, int) and not isinstance(offset, bool)
                    and 0 <= offset < 2**53):
                info.merged[key] = (generation, offset)
    info.forgotten = read_forgotten(data.get("forgotten"))
    return info, ""


def read_forgotten(value: Any) -> dict[str, str]:
    """``forgotten`` from an untrusted file: device ids with the time they were last seen."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for device, seen in list(value.items())[:MAX_FORGOTTEN]:
            if (isinstance(device, str) and DEVICE_NAME.match(device) and isinstance(seen, str)
                    and len(seen) <= 64):
                found[device] = seen
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
