"""Tags through a sync folder: two devices that each tag the same highlight keep both tags."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.changelog import TAG_ADDS, TAG_REMOVES, Change
from annotations.sync import segments
from annotations.sync.layout import ROOT_NAME
from tests.support.sync import Device, Transport, make_annotation, make_devices, reference_tags

_RUNS = itertools.count()


def _sync(devices: list[Device]) -> None:
    transport = Transport(devices)
    for _ in range(2):
        transport.mirror()
        for device in devices:
            report = device.sync.merge()
            assert not report.problems and not report.damaged


def _retag(device: Device, ident: str, *tags: str) -> None:
    copy = device.store.get(ident)
    assert copy is not None
    change = Change.between(copy, copy.edited(tags=list(tags)))
    assert change is not None
    device.store.apply_changes([change])


def _tags(device: Device, ident: str) -> tuple[str, ...]:
    saved = device.store.get(ident)
    assert saved is not None
    return saved.tags


def test_two_devices_each_adding_a_different_tag_keep_both(tmp_path: Path) -> None:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    ident = "5b1e0000-0000-4000-8000-000000000001"
    laptop.store.add(make_annotation(ident).edited(tags=["start"]))
    _sync([laptop, server])
    _retag(laptop, ident, "start", "from-laptop")
    _retag(server, ident, "start", "from-server")
    _sync([laptop, server])
    for device in (laptop, server):
        assert _tags(device, ident) == ("start", "from-laptop", "from-server"), device.name


def test_a_tag_removed_on_one_device_while_the_other_adds_one(tmp_path: Path) -> None:
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    ident = "5b1e0000-0000-4000-8000-000000000002"
    laptop.store.add(make_annotation(ident).edited(tags=["keep", "drop"]))
    _sync([laptop, server])
    _retag(laptop, ident, "keep")
    _retag(server, ident, "keep", "drop", "new")
    _sync([laptop, server])
    for device in (laptop, server):
        assert _tags(device, ident) == ("keep", "new"), device.name


def test_a_removal_loses_to_an_add_of_the_same_tag_it_had_not_seen(tmp_path: Path) -> None:
    """Both devices have "x"; the laptop removes it while the server removes it and adds it
    again: the server's new add was not seen by the laptop's removal, so "x" stays."""
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    ident = "5b1e0000-0000-4000-8000-000000000003"
    laptop.store.add(make_annotation(ident).edited(tags=["x"]))
    _sync([laptop, server])
    _retag(server, ident)
    _retag(server, ident, "x")
    _retag(laptop, ident)
    _sync([laptop, server])
    for device in (laptop, server):
        assert _tags(device, ident) == ("x",), device.name
    _retag(laptop, ident)  # removed again, now having seen every add: gone everywhere
    _sync([laptop, server])
    for device in (laptop, server):
        assert _tags(device, ident) == (), device.name


def test_a_device_joining_later_gets_the_merged_tags_from_the_snapshot(tmp_path: Path) -> None:
    laptop, server, late = make_devices(tmp_path / "devices", ("laptop", "server", "late"))
    ident = "5b1e0000-0000-4000-8000-000000000004"
    laptop.store.add(make_annotation(ident).edited(tags=["a", "b"]))
    _sync([laptop, server])
    _retag(laptop, ident, "a", "c")
    _retag(server, ident, "a", "b", "d")
    _sync([laptop, server])
    for device in (laptop, server):  # every device's own database as one snapshot segment
        device.sync._append_own(device.store.export_changes(), snapshot=True)
    _sync([laptop, server, late])
    for device in (laptop, server, late):
        assert _tags(device, ident) == ("a", "c", "d"), device.name


def test_a_tags_list_from_a_device_on_an_older_postil_still_merges(tmp_path: Path) -> None:
    """A segment line with the whole ``tags`` list (what postil wrote before) is merged: the
    list as of its clock."""
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    ident = "5b1e0000-0000-4000-8000-000000000005"
    laptop.store.add(make_annotation(ident).edited(tags=["a"]))
    _sync([laptop, server])
    old = Change.edit(ident, tags=["a", "old"]).stamped(laptop.store.device)
    laptop.sync._append_own([old])  # as an older postil shares it: the list as it is
    _sync([laptop, server])
    assert _tags(server, ident) == ("a", "old")
    folder = server.home / "sync" / ROOT_NAME / laptop.store.device
    lines = [json.loads(line[: line.rindex(',"crc"')] + "}")
             for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]
    assert any("tags" in line.get("fields", {}) for line in lines)


def test_a_device_upgraded_from_a_postil_that_skipped_tag_changes_reads_them_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older postil skipped the per-tag lines (as damaged) but recorded them as merged;
    its state (version 1) makes the upgraded postil read the folder once more."""
    laptop, server = make_devices(tmp_path / "devices", ("laptop", "server"))
    ident = "5b1e0000-0000-4000-8000-000000000006"
    laptop.store.add(make_annotation(ident).edited(tags=["a"]))
    _sync([laptop, server])
    _retag(laptop, ident, "a", "b")
    Transport([laptop, server]).mirror()
    with monkeypatch.context() as old_postil:  # it did not know tags+ / tags-
        old_postil.setattr(segments, "valid_change", lambda change, line=b"": not any(
            name in change.fields for name in (TAG_ADDS, TAG_REMOVES)))
        assert server.sync.merge().damaged == 1
    assert _tags(server, ident) == ("a",)
    state = json.loads(server.sync.state_path.read_text())
    server.sync.state_path.write_text(json.dumps({**state, "version": 1}))
    server.sync.merge()
    assert _tags(server, ident) == ("a", "b")


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_tagging_on_three_devices_converges_to_the_observed_remove_set(
        tmp_path: Path, data: st.DataObject) -> None:
    """Tags added and removed at random on three devices, each from what it has seen, files
    delivered at random moments: every device ends with the reference's tags."""
    devices = make_devices(tmp_path / f"run-{next(_RUNS)}")
    transport = Transport(devices)
    ident = "5b1e0000-0000-4000-8000-000000000007"
    devices[0].store.add(make_annotation(ident).edited(tags=["a"]))
    _sync(devices)
    for _ in range(data.draw(st.integers(1, 25))):
        device = data.draw(st.sampled_from(devices))
        if data.draw(st.booleans()):
            current = _tags(device, ident)
            tag = data.draw(st.sampled_from(["a", "b", "c"]))
            _retag(device, ident, *([t for t in current if t != tag] if tag in current
                                    else [*current, tag]))
        else:
            source, destination = data.draw(st.permutations(devices))[:2]
            for path in transport.files(source):
                transport.deliver(source, destination, path, "full")
            destination.sync.merge()
    _sync(devices)
    made = [c for device in devices for c in device.made if c.key == ident]
    expected = tuple(reference_tags(sorted(made, key=lambda c: c.clock)))
    assert [_tags(device, ident) for device in devices] == [expected] * 3
