"""`postil review` from the shell: the batch, answers, stats, --today, durability."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from annotations.model import Annotation
from annotations.review import Answer, Reviews, apply_answer, review_time
from annotations.storage import AnnotationStore
from reader.cli import main
from tests.support.paths import ROOT, SEED, SEED_TITLE

QUOTES = ["national security threat", "second largest seller of smartphones", "no-spy"]


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def highlights(seed_library: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))  # titles come from the library
    article = seed_library / SEED.name
    ids = []
    for number, quote in enumerate(QUOTES):
        tags = ["--tag", "politics"] if number == 0 else []
        assert main(["highlight", str(article), "--quote", quote, *tags]) == 0
        ids.append(capsys.readouterr().out.strip())
    return ids


def test_the_batch_as_json_and_as_text(highlights: list[str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    batch = run_json(["review", "--json", "--today", "2026-05-01"], capsys)
    assert isinstance(batch, list) and {item["id"] for item in batch} == set(highlights)
    assert all(set(item) >= {"id", "quote", "note", "tags", "path", "title", "due"}
               for item in batch)
    assert {item["title"] for item in batch} == {SEED_TITLE}
    assert run_json(["review", "--json", "--today", "2026-05-01"], capsys) == batch  # fixed
    assert main(["review", "--today", "2026-05-01"]) == 0
    text = capsys.readouterr().out
    assert "national security threat" in text and SEED_TITLE in text
    assert f"postil review --answer {highlights[0]}" in text
    limited = run_json(["review", "--json", "--limit", "1", "--today", "2026-05-01"], capsys)
    assert len(limited) == 1  # type: ignore[arg-type]
    themed = run_json(["review", "--json", "--tag", "#Politics", "--today", "2026-05-01"],
                      capsys)
    assert [item["id"] for item in themed] == [highlights[0]]  # type: ignore[index]


def test_a_stored_path_outside_the_library_is_never_opened(
        highlights: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("POSTIL_LIBRARY", str(elsewhere))
    batch = run_json(["review", "--json", "--today", "2026-05-01"], capsys)
    assert len(batch) == 3  # type: ignore[arg-type]
    assert {item["title"] for item in batch} == {"huawei no spy deal"}  # type: ignore[index]


def test_answers_move_highlights_to_later_days(highlights: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    day = "2026-05-01"
    assert main(["review", "--answer", highlights[0], "good", "--today", day]) == 0
    assert "next review" in capsys.readouterr().out
    assert main(["review", "--answer", highlights[1], "master", "--today", day]) == 0
    assert main(["review", "--answer", highlights[2], "discard", "--today", day]) == 0
    capsys.readouterr()
    assert run_json(["review", "--json", "--today", day], capsys) == []
    stats = run_json(["review", "--stats", "--json", "--today", day], capsys)
    assert stats == {"due_today": 0, "reviewed_today": 3, "streak": 1, "total": 1,
                     "mastered": 1, "discarded": 1}
    # A simulated year: the good one returns, the mastered and discarded never do.
    seen: set[str] = set()
    start = date(2026, 5, 2)
    for offset in range(0, 365, 3):
        today = (start + timedelta(days=offset)).isoformat()
        for item in run_json(["review", "--json", "--today", today], capsys):  # type: ignore[union-attr]
            seen.add(item["id"])
            assert main(["review", "--answer", item["id"], "good", "--today", today]) == 0
            capsys.readouterr()
    assert seen == {highlights[0]}


def test_a_frequency_set_in_the_app_follows_the_article_moved_in_the_library(
        highlights: list[str], seed_library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = AnnotationStore(Path(os.environ["POSTIL_DB"]))
    first = store.get(highlights[0])
    assert first is not None
    Reviews(store).set_frequency(first, "less")  # what `f` on the review screen does
    moved = seed_library / "read" / "renamed.md"
    moved.parent.mkdir()
    (seed_library / SEED.name).rename(moved)
    assert main(["notes"]) == 0  # finds the article again by its id and saves its new path
    capsys.readouterr()
    assert store.get(highlights[1]).path == str(moved)  # type: ignore[union-attr]
    day = date(2026, 5, 1)
    answer = run_json(["review", "--answer", highlights[1], "good", "--json",
                       "--today", day.isoformat()], capsys)
    usual = apply_answer(None, highlights[1], Answer.GOOD, when=review_time(day)).due.date()
    assert isinstance(answer, dict)
    assert date.fromisoformat(answer["next_due"]) - day == 2 * (usual - day)


def test_bad_answers_and_dates_are_clear_errors(highlights: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--answer", highlights[0], "maybe"]) == 2
    assert "unknown answer" in capsys.readouterr().err
    assert main(["review", "--answer", "\x1b[31mnope", "good"]) == 1
    err = capsys.readouterr().err
    assert "no highlight" in err and "\x1b" not in err
    with pytest.raises(SystemExit):
        main(["review", "--today", "yesterday"])
    assert main(["review", "--stats"]) == 0


def test_the_stats_as_text(highlights: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--stats", "--today", "2026-05-01"]) == 0
    out = capsys.readouterr().out
    assert "due today: 3" in out and "streak: 0" in out and "total: 3" in out


def test_an_answer_survives_kill_9_right_after_exit_0(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    text = "alpha beta gamma delta " * 10
    annotation = Annotation.create(article_id="x", path=str(tmp_path / "a.md"), text=text,
                                   start=0, end=10)
    store.add(annotation)
    env = {**os.environ, "POSTIL_DB": str(db)}
    process = subprocess.Popen(
        [sys.executable, "-m", "reader", "review", "--answer", annotation.id, "easy",
         "--today", "2026-05-01"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    try:  # whatever might still linger in the process group dies without a chance to flush
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    from annotations.review import ReviewStore

    cards = ReviewStore(AnnotationStore(db)).cards()  # a fresh reader of the file (and log)
    assert cards[annotation.id].history[0].answer == "easy"
    assert b"next review" in out


def test_on_a_terminal_review_opens_the_app_on_the_review_screen(
        highlights: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from annotations.review import ReviewFilter
    from reader.ui.app import PostilApp

    started: list[PostilApp] = []
    monkeypatch.setattr(PostilApp, "run", lambda self, *a, **k: started.append(self))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(["review", "--tag", "Politics", "--today", "2026-05-01"]) == 0
    [app] = started
    assert app.start_review == ReviewFilter(tag="politics")
    assert app.review_today == date(2026, 5, 1)
    assert main(["review", "--print", "--today", "2026-05-01"]) == 0  # --print: no app
    assert len(started) == 1
