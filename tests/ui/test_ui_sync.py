"""Pilot: a highlight made on another machine arrives in the sync folder while the app is open,
and appears in the open article without a restart."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from annotations.model import Annotation, TextPositionSelector, TextQuoteSelector
from annotations.storage import AnnotationStore
from annotations.sync import SyncFolder
from reader.loading import load_article
from tests.support.paths import SEED
from tests.support.pilot import make_app, wait_for, wait_reading


async def test_a_change_arriving_in_the_sync_folder_appears_without_a_restart(
    isolated_paths: Path, seed_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reader.ui.app.SYNC_POLL_SECONDS", 0.2)
    folder = tmp_path / "Sync"
    folder.mkdir()
    (isolated_paths / "config.toml").write_text(f'sync_dir = "{folder}"\n')
    # The other machine: its own data dir, and the article in a library elsewhere.
    other = tmp_path / "server"
    other.mkdir()
    article = load_article(seed_library / SEED.name)
    start = article.text.index("Huawei")
    made = Annotation(id=str(uuid.uuid4()), article_id=article.id,
                      path=str(other / "library" / SEED.name),
                      quote=TextQuoteSelector("Huawei", "", ""),
                      position=TextPositionSelector(start, start + len("Huawei")),
                      note="from the server")
    server = AnnotationStore(other / "postil.json")
    server_sync = SyncFolder(server, folder, "server").attach()
    server_sync.merge()

    app = make_app(isolated_paths, seed_library / SEED.name)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await wait_reading(pilot)
        assert screen.annotations == {}
        await wait_for(pilot, lambda: app.session.sync is not None)
        server.add(made)  # written to the server's segment in the folder
        await wait_for(pilot, lambda: made.id in screen.annotations)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.annotations[made.id].note == "from the server"
        assert screen.view.highlights_at(start)
        messages = [str(n.message) for n in app._notifications]
        assert any("1 change from server" in message for message in messages)
    # The merged highlight is in this machine's database, and its device.json says so.
    assert made.id in {a.id for a in AnnotationStore(isolated_paths / "db.json")
                       .all_annotations()}
    [app_device] = [d for d in server_sync.status().devices if not d.this]
    assert app_device.behind == 0
