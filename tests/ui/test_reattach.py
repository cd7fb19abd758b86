"""Re-anchoring you can trust: confidence of fuzzy placements, and re-attaching by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.anchoring import REVIEW_THRESHOLD, anchor, needs_review
from annotations.model import AnchorStatus, Annotation, TextPositionSelector, TextQuoteSelector
from annotations.storage import AnnotationStore
from reader.cli import main
from reader.ui.widgets.annotations_panel import AnnotationsPanel
from tests.support.pilot import make_app, opened_article, wait_for

QUOTE = "The committee postponed its decision until the spring meeting"


def stored_annotation(quote: str, start: int = 0, **extra: object) -> Annotation:
    return Annotation(
        id="a1", article_id="", path=str(extra.pop("path", "/x.md")),
        quote=TextQuoteSelector(quote), position=TextPositionSelector(start, start + len(quote)),
        note="keep me", tags=("kept",), **extra,  # type: ignore[arg-type]
    )


def test_confidence_threshold() -> None:
    slightly = "Minutes. The committee postponed its decision until the sprint meeting. End."
    found = anchor(stored_annotation(QUOTE), slightly)
    assert found.status is AnchorStatus.FUZZY
    assert found.score >= REVIEW_THRESHOLD and not needs_review(found)
    heavily = "Minutes. The commitee delayed its decisions until the spring meet. End."
    guess = anchor(stored_annotation(QUOTE), heavily)
    assert guess.status is AnchorStatus.FUZZY
    assert guess.score < REVIEW_THRESHOLD and needs_review(guess)
    exact = anchor(stored_annotation(QUOTE), "x " + QUOTE)
    assert exact.status is AnchorStatus.MOVED and exact.score == 100.0
    # The score survives the database.
    assert Annotation.from_record(guess.to_record()).score == guess.score


def test_notes_status_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_paths: Path
) -> None:
    article = tmp_path / "minutes.md"
    article.write_text(
        "# Minutes\n\nThe commitee delayed its decisions until the spring meet. "
        "Everyone agreed on the budget.\n", encoding="utf-8",
    )
    store = AnnotationStore(isolated_paths / "db.json")
    store.put_many([
        stored_annotation(QUOTE, path=article),
        Annotation(id="a2", article_id="", path=str(article),
                   quote=TextQuoteSelector("Everyone agreed on the budget."),
                   position=TextPositionSelector(0, 30)),
        Annotation(id="a3", article_id="", path=str(article),
                   quote=TextQuoteSelector("words that are nowhere at all in it"),
                   position=TextPositionSelector(0, 10)),
    ])
    base = ["--db", str(isolated_paths / "db.json"), "--library", str(tmp_path), "notes"]
    assert main([*base, "--json", "--status", "fuzzy,orphan"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["id"], r["status"]) for r in rows} == {("a1", "fuzzy"), ("a3", "orphaned")}
    fuzzy = next(r for r in rows if r["id"] == "a1")
    assert fuzzy["review"] is True and fuzzy["score"] < REVIEW_THRESHOLD
    assert main([*base, "--status", "review"]) == 0
    out = capsys.readouterr().out
    assert "needs review" in out and "budget" not in out
    with pytest.raises(SystemExit):
        main(["notes", "--status", "bogus"])


async def test_r_reattaches_an_orphan_to_the_selection(
    isolated_paths: Path, tmp_path: Path
) -> None:
    article = tmp_path / "minutes.md"
    article.write_text(
        "# Minutes\n\nThe meeting opened at nine. The budget was approved after a long "
        "debate. Everyone went home.\n", encoding="utf-8",
    )
    AnnotationStore(isolated_paths / "db.json").put_many(
        [stored_annotation("The budget passed after a debate that lasted all evening, "
                           "and nobody was happy with it", path=article)]
    )
    app = make_app(isolated_paths, article)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        [orphan] = screen.annotations.values()
        assert orphan.status is AnchorStatus.ORPHANED
        await pilot.press("a")
        panel = screen.query_one(AnnotationsPanel)
        if panel.chosen_id is None:
            await pilot.press("down")
        await wait_for(pilot, lambda: panel.chosen_id == "a1")
        await pilot.press("enter")  # an orphan: "select where it belongs and press r"
        view = screen.view
        for _ in range(8):
            if view.cursor is not None and view.document.text[view.cursor[0]:].startswith(
                "The budget"
            ):
                break
            await pilot.press("right_square_bracket")
        await pilot.press("v")
        await wait_for(pilot, lambda: view.selection is not None)
        selected = view.document.text[view.selection[0]:view.selection[1]]  # type: ignore[index]
        assert selected.startswith("The budget was approved")
        await pilot.press("r")
        moved = screen.annotations["a1"]
        assert moved.status is AnchorStatus.ANCHORED
        assert moved.quote.exact == selected.strip()
        assert (moved.note, moved.tags) == ("keep me", ("kept",))
        assert view.highlights_at(moved.start)
        assert app.session.flush()
    [saved] = AnnotationStore(isolated_paths / "db.json").all_annotations()
    assert saved.quote.exact == moved.quote.exact and saved.note == "keep me"
    assert saved.status is AnchorStatus.ANCHORED


async def test_library_scan_attaches_quote_only_highlights_and_says_so(
    isolated_paths: Path, tmp_path: Path
) -> None:
    from annotations.model import ImportSource
    from tests.support.pilot import wait_library

    library = tmp_path / "library"
    library.mkdir()
    (library / "walden.md").write_text(
        "---\ntitle: Walden\nauthor: Henry David Thoreau\n---\n\nI went to the woods because "
        "I wished to live deliberately.\n", encoding="utf-8",
    )
    quote_only = Annotation(
        id="q1", article_id="", path="", quote=TextQuoteSelector("I wished to live deliberately"),
        position=TextPositionSelector(0, 0), status=AnchorStatus.ORPHANED, note="mine",
        source=ImportSource("kindle", "Walden", "Henry David Thoreau"),
    )
    AnnotationStore(isolated_paths / "db.json").put_many([quote_only])
    app = make_app(isolated_paths, library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: any(
            "attached to the library" in n.message for n in app._notifications
        ))
        assert app.session.flush()
    [saved] = AnnotationStore(isolated_paths / "db.json").all_annotations()
    assert saved.path == str(library / "walden.md") and not saved.quote_only
    assert saved.note == "mine" and saved.status is AnchorStatus.ANCHORED
