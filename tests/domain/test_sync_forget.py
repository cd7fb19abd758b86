"""A device that never syncs again stops holding up compaction once it is forgotten."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.sync import ForgetError, engine
from tests.support.sync import Device, Transport, make_annotation, make_devices


def _segments(device: Device) -> list[str]:
    return sorted(p.name for p in device.own_folder.glob("0*.jsonl"))


def _write_a_lot(device: Device, start: int, count: int = 30) -> None:
    for number in range(start, start + count):
        device.store.add(make_annotation(f"5b1e0000-0000-4000-8000-{number:012d}",
                                         text=f"a quote, number {number}, long enough " * 3))
        device.sync.merge()


def _small(devices: list[Device]) -> None:
    for device in devices:
        device.sync.compact_bytes, device.sync.roll_bytes = 2_000, 1_500


def test_forgetting_a_device_lets_compaction_go_on_and_it_can_come_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laptop, server = devices = make_devices(tmp_path / "devices", ("laptop", "server"))
    _small(devices)
    transport = Transport(devices)
    laptop.sync.merge()
    transport.mirror()
    server.sync.merge()  # the server has said what it merged: everyone waits for it
    transport.mirror()
    _write_a_lot(laptop, 0)
    held = _segments(laptop)
    assert len(held) > 3  # nothing compacted: the server never merged them
    forgotten = laptop.sync.forget("server")
    assert (forgotten.device, forgotten.name, forgotten.already) == (
        server.store.device, "server", False)
    assert forgotten.waiting >= 30
    assert [d.forgotten for d in laptop.sync.status().devices] == [False, True]
    report = laptop.sync.merge()
    assert report.compacted == len(held) - 1 and len(_segments(laptop)) <= 2
    # The server comes back: it reads the snapshot, gets everything, and counts again.
    monkeypatch.setattr(engine, "_now", lambda: "2099-01-01T00:00:00+00:00")
    transport.mirror()
    server.sync.merge()
    assert {a.id for a in server.store.all_annotations()} == {
        a.id for a in laptop.store.all_annotations()}
    transport.mirror()
    laptop.sync.merge()
    assert [d.forgotten for d in laptop.sync.status().devices] == [False, False]
    assert laptop.sync.forget(server.store.device).already is False  # by id


def test_a_device_forgotten_on_one_device_is_not_waited_for_by_the_others(
        tmp_path: Path) -> None:
    laptop, server, desktop = devices = make_devices(tmp_path / "devices",
                                                     ("laptop", "server", "desktop"))
    _small(devices)
    transport = Transport(devices)
    for device in devices:
        device.sync.merge()
        transport.mirror()
    for device in (laptop, desktop):
        device.sync.merge()
    transport.mirror()
    laptop.sync.forget("server")  # on the laptop: written into its device.json
    transport.mirror()
    desktop.sync.merge()
    _write_a_lot(desktop, 100)
    transport.mirror()
    laptop.sync.merge()
    transport.mirror()
    report = desktop.sync.merge()
    assert len(_segments(desktop)) <= 2 or report.compacted, _segments(desktop)
    assert [d.forgotten for d in desktop.sync.status().devices] == [False, False, True]


def test_this_device_an_unknown_one_and_an_ambiguous_name_are_refused(tmp_path: Path) -> None:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    other = Device("server", tmp_path / "devices" / "another-server")  # the same name
    devices = [laptop, server, other]
    transport = Transport(devices)
    for device in devices:
        device.sync.merge()
    transport.mirror()
    with pytest.raises(ForgetError, match="is this device"):
        laptop.sync.forget("laptop")
    with pytest.raises(ForgetError, match="is this device"):
        laptop.sync.forget(laptop.store.device)
    with pytest.raises(ForgetError, match="no device 'nobody'"):
        laptop.sync.forget("nobody")
    with pytest.raises(ForgetError, match="2 devices are called 'server'"):
        laptop.sync.forget("server")
    assert laptop.sync.forget(other.store.device).name == "server"
    assert not laptop.sync.status().devices[0].forgotten
    assert laptop.sync.forget(server.store.device.upper()).device == server.store.device
