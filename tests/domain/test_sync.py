"""Sync through a folder (issue 19): each transport quirk, clashes, compaction, positions."""

from __future__ import annotations

import os
import uuid
import zlib
from pathlib import Path

import pytest

from annotations.changelog import Change, encode_line
from annotations.clock import DEVICE_FILE
from annotations.storage import AnnotationStore
from annotations.sync import SyncFolder
from annotations.sync.layout import MAX_SEGMENT_BYTES, ROOT_NAME
from annotations.sync.segments import header_line
from tests.support.sync import Device, Transport, make_annotation, make_devices


def _ids(device: Device) -> set[str]:
    return {a.id for a in device.store.all_annotations()}


def _new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Device, Device, Transport]:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    return laptop, server, Transport([laptop, server])


def _segment(device: Device) -> Path:
    segments = sorted(p for p in device.own_folder.iterdir() if p.name[0].isdigit())
    return segments[-1]


def test_changes_arrive_and_are_counted_per_device(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    for _ in range(3):
        laptop.store.add(make_annotation(_new_id()))
    transport.mirror()
    report = server.sync.merge()
    assert report.summary() == "3 changes from laptop"
    assert _ids(server) == _ids(laptop)
    assert server.sync.merge().summary() == "nothing new"


def test_a_file_cut_off_mid_line_is_read_up_to_its_last_whole_line(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    first, second = _new_id(), _new_id()
    laptop.store.add(make_annotation(first))
    laptop.store.add(make_annotation(second))
    segment = _segment(laptop)
    whole = segment.read_bytes()
    cut = whole.rfind(b"\n", 0, len(whole) - 1) + 40  # inside the last line
    transport.deliver(laptop, server, segment, "partial", cut)
    assert server.sync.merge().changes == 1
    assert _ids(server) == {first}
    transport.deliver(laptop, server, segment, "full")
    assert server.sync.merge().changes == 1
    assert _ids(server) == {first, second}


def test_segments_out_of_order_and_twice(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.roll_bytes = 1  # every change starts a new segment
    laptop.sync.merge()
    made = [_new_id() for _ in range(4)]
    for ident in made:
        laptop.store.add(make_annotation(ident))
    files = transport.files(laptop)
    for path in reversed(files):
        transport.deliver(laptop, server, path, "full")
        server.sync.merge()
    for path in files:
        transport.deliver(laptop, server, path, "full")
    assert server.sync.merge().summary() == "nothing new"
    assert _ids(server) == set(made)


def test_conflict_copies_and_merge_leftovers_are_read_as_data(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    laptop.store.add(make_annotation(_new_id()))
    transport.mirror()
    server.sync.merge()
    folder = server.home / "sync" / ROOT_NAME / laptop.store.device
    extra = [_new_id(), _new_id()]
    lines = [encode_line(Change.put(make_annotation(ident)).stamped(laptop.store.device)
                         .to_entry()) for ident in extra]
    (folder / "000001 (conflicted copy 2026-12-01).jsonl").write_bytes(lines[0])
    (folder / "000001.jsonl.orig").write_bytes(
        b"<<<<<<< HEAD\n" + lines[1] + b"=======\n>>>>>>> origin/main\n")
    report = server.sync.merge()
    assert report.changes == 2
    assert set(extra) <= _ids(server)


def test_hostile_files_are_skipped_and_reported_never_followed(pair, tmp_path) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    good = _new_id()
    laptop.store.add(make_annotation(good))
    transport.mirror()
    folder = server.home / "sync" / ROOT_NAME / laptop.store.device
    secret = tmp_path / "secret.jsonl"
    secret.write_bytes(encode_line(Change.put(make_annotation(_new_id()))
                                   .stamped("0123456789abcdef").to_entry()))
    (folder / "000900.jsonl").symlink_to(secret)
    os.mkfifo(folder / "000901.jsonl")
    bad = [
        b"not json at all\n",
        encode_line({"clock": "9999999999999-0000-0123456789abcdef", "table": "annotations",
                     "op": "set", "key": good, "fields": {"note": 5}}),
        encode_line({"clock": "9999999999999-0000-0123456789abcdef", "table": "annotations",
                     "op": "set", "key": good, "fields": {"tags": "not a list"}}),
        encode_line({"clock": "9999999999999-0000-0123456789abcdef", "table": "positions",
                     "op": "put", "key": "art-1",
                     "fields": {"offset": 10**30, "progress": 0.5}}),
        b'{"clock":"9999999999999-0000-0123456789abcdef","table":"positions","op":"put",'
        b'"key":"art-1","fields":{"offset":1,"progress":NaN},"crc":"00000000"}\n',
    ]
    nan = b'{"clock":"9999999999999-0000-0123456789abcdef","table":"positions","op":"put",' \
          b'"key":"art-1","fields":{"offset":1,"progress":NaN}}'
    bad.append(nan[:-1] + b',"crc":"%08x"}\n' % zlib.crc32(nan))
    (folder / "000902.jsonl").write_bytes(b"".join(bad))
    with open(folder / "000903.jsonl", "wb") as huge:  # sparse: over the cap, never read
        huge.truncate(MAX_SEGMENT_BYTES + 1)
    (folder / "device.json").write_bytes(
        b'{"format":"postil-sync-device","device":"ffff0000ffff0000"}')
    claimed = _new_id()
    (folder / "000904.jsonl").write_bytes(
        header_line("ffff0000ffff0000", 904, "elsewhere")
        + encode_line(Change.put(make_annotation(claimed)).stamped("ffff0000ffff0000")
                      .to_entry()))
    report = server.sync.merge()
    assert any("says it was written by device ffff0000ffff0000" in problem
               for problem in report.problems)
    assert report.damaged == 6
    assert any("another device" in problem for problem in report.problems)
    assert any("000903.jsonl cannot be read" in problem for problem in report.problems)
    assert _ids(server) == {good, claimed}  # valid data, whoever it claims to be from
    assert server.store.get(good).note == ""
    assert server.store.get_position("art-1", "/x") is None


def test_two_machines_sharing_one_device_id_are_reported(tmp_path) -> None:
    laptop, clone = make_devices(tmp_path / "devices", ("laptop", "clone"))
    device_file = laptop.store.path.parent / DEVICE_FILE
    clone_data = clone.store.path.parent
    (clone_data / DEVICE_FILE).write_bytes(device_file.read_bytes())  # a copied home folder
    clone = Device("clone", clone.home)
    assert clone.store.device == laptop.store.device
    laptop.sync.merge()
    clone.sync.merge()
    ident = _new_id()
    clone.store.add(make_annotation(ident))
    transport = Transport([clone, laptop])
    for path in transport.files(clone):
        transport.deliver(clone, laptop, path, "conflict")
    report = laptop.sync.merge()
    assert "share the device id" in report.clash
    assert ident in _ids(laptop)  # the clone's changes are not lost
    assert "share the device id" in laptop.sync.status().clash


def test_compaction_removes_old_segments_and_a_late_device_still_gets_everything(
        tmp_path) -> None:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    transport = Transport([laptop, server])
    laptop.sync.roll_bytes = 600
    laptop.sync.compact_bytes = 1_000
    made = []
    compacted = 0
    for _ in range(12):
        ident = _new_id()
        made.append(ident)
        laptop.store.add(make_annotation(ident))
        compacted += laptop.sync.merge().compacted
        transport.mirror()
        server.sync.merge()
        transport.mirror()
    assert compacted > 0
    assert len(transport.files(laptop)) < 12
    merged = (server.own_folder / "device.json").read_text()
    assert f"{laptop.store.device}/000001.jsonl" not in merged  # forgotten once deleted
    late = Device("late", tmp_path / "devices" / "late")
    everyone = Transport([laptop, server, late])
    everyone.mirror()
    late.sync.merge()
    assert _ids(late) == set(made) == _ids(server)


def test_a_stale_device_does_not_pull_the_position_back(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    server.sync.merge()
    server.store.set_position("art-1", "/s/art-1.txt", 100, 0.1)  # an old session
    laptop.store.set_position("art-1", "/l/art-1.txt", 800, 0.8)
    server.store.set_position("art-1", "/s/art-1.txt", 120, 0.12)  # has not seen 0.8 yet
    for _ in range(2):
        transport.mirror()
        laptop.sync.merge()
        server.sync.merge()
    assert laptop.positions()["art-1"] == server.positions()["art-1"] == (800, 0.8)
    server.store.set_position("art-1", "/s/art-1.txt", 300, 0.3)  # moved back on purpose
    transport.mirror()
    laptop.sync.merge()
    assert laptop.positions()["art-1"] == server.positions()["art-1"] == (300, 0.3)


def test_changes_wait_in_the_outbox_while_the_folder_cannot_be_written(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    folder = laptop.home / "sync"
    folder.rename(laptop.home / "unmounted")  # the share is not mounted
    try:
        ident = _new_id()
        laptop.store.add(make_annotation(ident))
        assert laptop.sync.outbox.exists()
        assert laptop.sync.status().outbox == 1
        assert "does not exist" in laptop.sync.merge().problems[0]
    finally:
        (laptop.home / "unmounted").rename(folder)
    assert laptop.sync.merge().shared == 1
    assert not laptop.sync.outbox.exists()
    transport.mirror()
    server.sync.merge()
    assert ident in _ids(server)


def test_status_lists_devices_and_what_waits(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    server.sync.merge()
    transport.mirror()
    laptop.store.add(make_annotation(_new_id()))
    laptop.store.add(make_annotation(_new_id()))
    transport.mirror()
    status = server.sync.status()
    names = [entry.label() for entry in status.devices]
    assert names == ["server", "laptop"]
    assert status.devices[1].to_merge == 2
    server.sync.merge()
    transport.mirror()
    status = laptop.sync.status()
    assert status.devices[1].behind == 0
    assert status.devices[1].last_seen


def test_a_missing_sync_folder_is_reported_not_created(tmp_path) -> None:
    device = Device("laptop", tmp_path / "laptop")
    sync = SyncFolder(device.store, tmp_path / "nowhere", "laptop")
    report = sync.merge()
    assert "does not exist" in report.problems[0]
    assert not (tmp_path / "nowhere").exists()


def test_a_moved_data_dir_is_still_the_same_device(tmp_path) -> None:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    laptop.sync.merge()
    laptop.store.add(make_annotation(_new_id()))
    data = laptop.store.path.parent
    moved = data.with_name("data-moved")
    data.rename(moved)  # the user moved the data dir: the machine mark changes
    again = SyncFolder(AnnotationStore(moved / "postil.json"), laptop.home / "sync",
                       "laptop").attach()
    assert again.device == laptop.store.device and again.host != laptop.sync.host
    report = again.merge()
    assert not report.clash and report.changes == 0


def test_state_values_nested_too_deeply_are_refused(pair) -> None:
    laptop, server, transport = pair
    laptop.sync.merge()
    value: object = "leaf"
    for _ in range(40):
        value = [value]
    laptop.store.set_state("review.card.x", value)
    laptop.store.set_state("review.card.y", {"due": 1})
    transport.mirror()
    report = server.sync.merge()
    assert report.damaged == 1
    assert server.store.state_values("review.") == {"review.card.y": {"due": 1}}


def test_the_app_poll_merges_what_arrives_during_a_merge(pair, monkeypatch) -> None:
    from reader.sync import SyncService

    laptop, server, transport = pair
    laptop.sync.merge()
    service = SyncService(server.sync)
    merge = server.sync.merge
    late = _new_id()

    def merge_while_a_file_arrives():
        report = merge()
        laptop.store.add(make_annotation(late))  # arrives while the merge finishes
        transport.mirror()
        return report

    monkeypatch.setattr(server.sync, "merge", merge_while_a_file_arrives)
    transport.mirror()
    service.poll()
    monkeypatch.setattr(server.sync, "merge", merge)
    report = service.poll()
    assert report is not None and report.changes == 1
    assert late in _ids(server)
    service.poll()
    assert service.poll() is None  # settled: nothing changes, nothing is merged


def test_a_linked_postil_sync_folder_is_neither_read_nor_written(tmp_path) -> None:
    device = Device("laptop", tmp_path / "laptop")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (device.home / "sync" / ROOT_NAME).symlink_to(elsewhere)
    report = device.sync.merge()
    assert "symbolic link" in report.problems[0]
    assert list(elsewhere.iterdir()) == []
