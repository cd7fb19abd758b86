"""Three devices, one sync folder, the worst transport: every device ends with the same records,
equal to a reference model of every change made (issue 19's acceptance property)."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.changelog import Change
from annotations.model import Color
from annotations.review import CARD_KEY
from tests.support.sync import Device, Reference, Transport, make_annotation, make_devices

COLORS = [color.value for color in Color]
ARTICLES = ["art-1", "art-2"]
TAGS = ["idea", "quote", "later"]
_RUN = itertools.count()


def _operate(device: Device, data: st.DataObject, undo: dict[str, list[Change]]) -> None:
    """One random user operation on ``device`` (on what that device can see)."""
    store = device.store
    visible = sorted(a.id for a in store.all_annotations())
    kind = data.draw(st.sampled_from(
        ["highlight", "note", "color", "tag", "untag", "delete", "undo", "position",
         "review"]))
    if kind == "highlight" or (not visible and kind not in ("position", "undo")):
        article = data.draw(st.sampled_from(ARTICLES))
        store.add(make_annotation(str(uuid.UUID(int=data.draw(st.integers(0, 2**64)))),
                                  article))
        return
    if kind == "position":
        article = data.draw(st.sampled_from(ARTICLES))
        progress = data.draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]))
        store.set_position(article, f"/library/{article}.txt", int(progress * 1000), progress)
        return
    if kind == "undo":
        history = undo.get(device.name, [])
        if history:
            store.apply_changes([history.pop()])
        return
    ident = data.draw(st.sampled_from(visible))
    before = store.get(ident)
    assert before is not None
    history = undo.setdefault(device.name, [])
    if kind == "delete":
        store.delete(ident)
        history.append(Change.put(before))
        return
    if kind == "review":
        store.set_state(CARD_KEY + ident, {"due": data.draw(st.integers(0, 9)),
                                           "by": device.name})
        return
    if kind == "note":
        after = dataclasses.replace(before, note=data.draw(st.sampled_from(
            ["", "worth it", "see p. 3", "¿qué?"])))
    elif kind == "color":
        after = dataclasses.replace(before, color=Color(data.draw(st.sampled_from(COLORS))))
    elif kind == "tag":
        after = dataclasses.replace(before, tags=(*before.tags, *{
            data.draw(st.sampled_from(TAGS))} - set(before.tags)))
    else:
        after = dataclasses.replace(before, tags=tuple(
            tag for tag in before.tags if tag != data.draw(st.sampled_from(TAGS))))
    change = Change.between(before, after)
    if change is not None:
        store.apply_changes([change])
        back = Change.between(after, before)
        if back is not None:
            history.append(back)


def _deliver(transport: Transport, devices: list[Device], data: st.DataObject) -> None:
    source, destination = data.draw(st.permutations(devices))[:2]
    files = transport.files(source)
    if not files:
        return
    path = data.draw(st.sampled_from(files))
    mode = data.draw(st.sampled_from(["full", "partial", "partial", "conflict"]))
    transport.deliver(source, destination, path, mode, data.draw(st.integers(0, 10_000)))
    if data.draw(st.booleans()):
        destination.sync.merge()  # merges what has arrived so far (maybe half a line)


def _run(tmp_path: Path, data: st.DataObject, steps: int) -> None:
    devices = make_devices(tmp_path / f"run-{next(_RUN)}")
    if data.draw(st.booleans()):  # compaction and segment rollover happen within the run
        for device in devices:
            device.sync.compact_bytes = 2_000
            device.sync.roll_bytes = 1_500
    transport = Transport(devices)
    undo: dict[str, list[Change]] = {}
    for _ in range(data.draw(st.integers(1, steps))):
        action = data.draw(st.sampled_from(["operate", "operate", "deliver", "deliver",
                                            "merge"]))
        device = data.draw(st.sampled_from(devices))
        if action == "operate":
            _operate(device, data, undo)
        elif action == "deliver":
            _deliver(transport, devices, data)
        else:
            device.sync.merge()
    for _ in range(3):  # the transport catches up; every device merges
        transport.mirror()
        for device in data.draw(st.permutations(devices)):
            report = device.sync.merge()
            assert not report.clash
    reference = Reference([change for device in devices for change in device.made])
    expected = (reference.annotations(), reference.positions(), reference.states())
    for device in devices:
        assert (device.annotations(), device.positions(), device.states()) == expected, \
            device.name


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_three_devices_converge_to_the_reference(tmp_path: Path, data: st.DataObject) -> None:
    """Random operations on three devices, files delivered late, twice, cut off and as
    conflict copies: all three end with the reference model's annotations, positions and
    review state."""
    _run(tmp_path, data, 20)


@pytest.mark.slow
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_three_devices_converge_long(tmp_path: Path, data: st.DataObject) -> None:
    """The same property over longer runs."""
    _run(tmp_path, data, 80)
