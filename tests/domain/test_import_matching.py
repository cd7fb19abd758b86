"""Matching imported highlights to the library: anchoring from the search index's prose, the
quote search by rare words, the normalisation, the stable ids."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import reader.library_matching as library_matching
from annotations.importers.record import ImportedHighlight
from annotations.model import AnchorStatus
from reader.importing import (
    _NAMESPACE,
    LibraryMatcher,
    normalize_for_matching,
    normalize_quote,
    stable_uuid,
)
from reader.library import LibrarySource, scan
from reader.library_matching import source_matcher
from reader.search import library_index
from reader.search.indexed_text import IndexedText

ARTICLE = """---
title: The Quiet Garden
author: Ada Author
---

The garden was quiet in the morning, and the birds had not yet begun their song.

She walked along the path — slowly — thinking of “nothing” at all.

```
code the index never holds
```

![a robin on the wall](robin.png) The last line of the garden.
"""


@given(st.text(alphabet="ab -—–‘’“”\u00ad\ufb01…\u00a0", max_size=30))
def test_normalize_quote_is_the_text_of_normalize_for_matching(text: str) -> None:
    assert normalize_quote(text) == normalize_for_matching(text).text


@pytest.mark.parametrize("name", ["kindle-0123abcd", "hypothesis-é", ""])
def test_stable_uuid_is_uuid5_so_stored_ids_do_not_change(name: str) -> None:
    assert stable_uuid(name) == str(uuid.uuid5(_NAMESPACE, name))


def test_indexed_text_lays_passages_at_their_offsets() -> None:
    known = IndexedText.from_passages(
        [(10, 20, "abcdefghij"), (15, 25, "fghijklmno"), (30, 33, "xyz")]
    )
    assert known is not None
    assert known.text == "\n" * 10 + "abcdefghijklmno" + "\n" * 5 + "xyz"
    assert known.covers(12, 25) and known.covers(30, 33)
    assert not known.covers(20, 31)  # crosses a gap
    assert not known.covers(5, 12)
    assert known.plain(12, 14, 4) == ("ab", "efgh")  # the context stops at the run's bounds
    assert IndexedText.from_passages([(0, 5, "abc")]) is None  # span and text disagree


def test_blanked_image_text_is_not_trusted() -> None:
    text = "see          the last line of"
    known = IndexedText.from_passages([(0, len(text), text)])
    assert known is not None
    assert known.plain(0, 3, 32) is None
    assert known.plain(17, 21, 2) is not None


@pytest.fixture
def indexed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LibrarySource:
    """A library of one article, its search index built (as postil's worker does)."""
    monkeypatch.setenv("POSTIL_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "garden.md").write_text(ARTICLE, encoding="utf-8")
    source = LibrarySource([folder])
    index = library_index(source)
    index.update(source.article_paths())
    index.save()
    return source


def _counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loaded: list[str] = []
    real = library_matching._load_text

    def load(path: str) -> str | None:
        loaded.append(path)
        return real(path)

    monkeypatch.setattr(library_matching, "_load_text", load)
    return loaded


def _highlight(quote: str, title: str = "The Quiet Garden") -> ImportedHighlight:
    return ImportedHighlight(format="kindle", quote=quote, title=title, author="Ada Author")


def test_quotes_in_indexed_prose_are_anchored_without_loading_the_article(
    indexed_library: LibrarySource, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _counting_loads(monkeypatch)
    quote = 'She walked along the path -- slowly -- thinking of "nothing" at all.'
    report = source_matcher(indexed_library).match([_highlight(quote)])
    [annotation] = report.annotations
    assert loaded == []
    assert annotation.status is AnchorStatus.ANCHORED
    assert annotation.quote.exact == (
        "She walked along the path — slowly — thinking of “nothing” at all."
    )
    # The same placement, prefix and suffix as from the article's full text.
    [article] = scan(indexed_library)
    full = LibraryMatcher([article], library_matching._load_text).match([_highlight(quote)])
    assert full.annotations[0].position == annotation.position
    assert full.annotations[0].quote.exact == annotation.quote.exact
    assert full.annotations[0].quote.suffix.startswith(annotation.quote.suffix)
    assert full.annotations[0].quote.prefix.endswith(annotation.quote.prefix)


@pytest.mark.parametrize(
    "quote",
    [
        "begun their song. She walked along",  # across two paragraphs: a gap in the index
        "a robin on the wall",  # image alt text is no passage (blanked in the index)
        "The garden was quiet in the mornin, and the birds",  # fuzzy: decided on the text
    ],
)
def test_what_the_index_cannot_decide_is_decided_on_the_full_text(
    indexed_library: LibrarySource, monkeypatch: pytest.MonkeyPatch, quote: str
) -> None:
    loaded = _counting_loads(monkeypatch)
    [annotation] = source_matcher(indexed_library).match([_highlight(quote)]).annotations
    assert len(loaded) == 1
    assert annotation.status in (AnchorStatus.ANCHORED, AnchorStatus.FUZZY)
    assert annotation.path


def test_a_changed_file_is_not_anchored_from_a_stale_index(
    indexed_library: LibrarySource, monkeypatch: pytest.MonkeyPatch
) -> None:
    [path] = indexed_library.article_paths()
    path.write_text(ARTICLE.replace("quiet in the morning", "loud at noon"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    loaded = _counting_loads(monkeypatch)
    quote = "The garden was quiet in the morning"
    [annotation] = source_matcher(indexed_library).match([_highlight(quote)]).annotations
    assert loaded == [str(path)]
    assert annotation.status is not AnchorStatus.ANCHORED


def test_an_unknown_book_is_found_by_the_rare_words_of_its_quote(
    indexed_library: LibrarySource,
) -> None:
    quote = "and the birds had not yet begun their song"
    highlight = _highlight(quote, title="Completely Different Title")
    [annotation] = source_matcher(indexed_library).match([highlight]).annotations
    assert annotation.path.endswith("garden.md")
    assert annotation.status is AnchorStatus.ANCHORED


def test_a_quote_of_words_the_library_lacks_stays_quote_only(
    indexed_library: LibrarySource,
) -> None:
    index = library_index(indexed_library)
    assert index.paths_with_words("zebra quokka narwhal the garden") == []
    highlight = _highlight("zebra quokka narwhal axolotl pangolin walrus", title="Elsewhere")
    report = source_matcher(indexed_library).match([highlight])
    assert report.quote_only == 1
