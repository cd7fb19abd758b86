"""Search engine: passages, ranking, typo tolerance, index cache, annotations, hostile input."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from annotations.model import Annotation
from reader.document import BlockKind, DocumentBuilder
from reader.loading import Article, ArticleMeta, fingerprint, load_article
from reader.search import (
    MAX_QUERY_CHARS,
    SearchIndex,
    search_annotations,
    search_article,
)
from reader.search.passages import MAX_PASSAGE_CHARS, article_passages
from reader.search.scoring import prepare_query, score_text


def make_article(path: str, *paragraphs: str, title: str = "A title") -> Article:
    """An in-memory article with a title block and the given paragraphs."""
    builder = DocumentBuilder()
    builder.add(BlockKind.TITLE, title)
    for paragraph in paragraphs:
        builder.add(BlockKind.PARAGRAPH, paragraph)
    document = builder.build()
    return Article(ArticleMeta(id=fingerprint(document.text), path=path, title=title), document)


def index_of(*articles: Article) -> SearchIndex:
    index = SearchIndex.in_memory()
    for article in articles:
        index.add_article(article)
    return index


PROSE = [
    "The harbour was quiet in the early morning, and the fishermen mended their nets.",
    "No.",
    "Yes.",
    "Later the storm rolled in from the west and every boat ran for shelter.",
    "She remembered the lighthouse keeper who sang to the gulls every evening.",
    "It was the quietest winter anyone could remember on the northern coast.",
]


# ---------------------------------------------------------------- ranking


def test_exact_phrase_ranks_first_with_exact_offsets() -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search("every boat ran for shelter")
    assert hits[0].score == 100.0
    assert article.text[hits[0].match_start : hits[0].match_end] == "every boat ran for shelter"
    assert article.text[hits[0].start : hits[0].end] == hits[0].text == PROSE[3]


@pytest.mark.parametrize(
    "query",
    [
        "lighthuose keeper who sang",  # transposition
        "lighthouse keper who sang",  # deletion
        "lighthouse keeper whp sang",  # substitution
        "the ligthouse keeper who sagn to",  # two edits
    ],
)
def test_typos_still_find_the_passage(query: str) -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search(query)
    assert hits and hits[0].text == PROSE[4]
    assert 60 <= hits[0].score < 100
    matched = article.text[hits[0].match_start : hits[0].match_end]
    assert "keeper" in matched


def test_exact_phrase_beats_all_words_beats_partial() -> None:
    exact = make_article("/exact.txt", "we walked along the old stone bridge at dusk")
    scattered = make_article(
        "/scattered.txt", "the bridge was old; we walked on stone paths along the river at dusk"
    )
    partial = make_article("/partial.txt", "an old bridge")
    hits = index_of(partial, scattered, exact).search("walked along the old stone bridge")
    assert [hit.path for hit in hits] == ["/exact.txt", "/scattered.txt", "/partial.txt"]
    assert hits[0].score == 100.0
    assert hits[0].score > hits[1].score > hits[2].score


def test_typo_phrase_beats_scattered_words() -> None:
    typo = make_article("/typo.txt", "we walked alnog the old stone bridge at dusk")
    scattered = make_article(
        "/scattered.txt", "stone by stone the old bridge fell while we walked along the road"
    )
    hits = index_of(scattered, typo).search("walked along the old stone bridge")
    assert hits[0].path == "/typo.txt"


def test_word_order_swapped_still_matches_all_words() -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search("keeper lighthouse who sang")
    assert hits[0].text == PROSE[4]
    assert hits[0].score >= 60


def test_short_passage_does_not_win_by_being_inside_the_query() -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search("no, the harbour was quiet")
    assert hits[0].text == PROSE[0]
    short = [hit for hit in hits if hit.text == "No."]
    assert not short or short[0].score < hits[0].score


def test_very_short_passage_found_by_its_own_word() -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search("yes")
    assert hits[0].text == "Yes."
    assert hits[0].score == 100.0


def test_duplicates_in_two_articles_both_found_with_equal_scores() -> None:
    first = make_article("/one.txt", "the same sentence appears in two places", title="One")
    second = make_article("/two.txt", "the same sentence appears in two places", title="Two")
    hits = index_of(first, second).search("same sentense appears")
    assert {hit.path for hit in hits[:2]} == {"/one.txt", "/two.txt"}
    assert hits[0].score == hits[1].score
    assert {hit.title for hit in hits[:2]} == {"One", "Two"}


def test_near_duplicate_ranks_below_the_exact_one() -> None:
    near = make_article("/near.txt", "the cat sat quietly on the warm mat")
    exact = make_article("/exact.txt", "the cat sat silently on the warm mat")
    hits = index_of(near, exact).search("cat sat silently on the")
    assert hits[0].path == "/exact.txt"
    assert hits[1].path == "/near.txt"


def test_overlapping_windows_give_one_hit() -> None:
    sentences = [f"Sentence number {word} talks about topic {word}." for word in
                 ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")]
    article = make_article("/long.txt", " ".join(sentences))
    hits = index_of(article).search("talks about topic nine")
    spans = [(hit.match_start, hit.match_end) for hit in hits]
    assert len(spans) == len(set(spans))
    assert article.text[hits[0].match_start : hits[0].match_end] == "talks about topic nine"
    ordered = sorted(spans)
    assert all(ordered[n][1] <= ordered[n + 1][0] for n in range(len(ordered) - 1))


def test_last_word_is_a_prefix_while_typing() -> None:
    article = make_article("/a.txt", *PROSE)
    hits = index_of(article).search("the lighthouse kee")
    assert hits[0].text == PROSE[4]
    assert hits[0].score == 100.0
    assert index_of(article).search("the lighthouse kee ")[0].score < 100.0


def test_matched_words_are_reported_for_emphasis() -> None:
    article = make_article("/a.txt", *PROSE)
    hit = index_of(article).search("storm rolled")[0]
    words = {article.text[start:end] for start, end in hit.words}
    assert {"storm", "rolled"} <= words
    snippet, spans = hit.snippet(40)
    assert len(snippet) <= 42
    assert {snippet[start:end] for start, end in spans} >= {"storm", "rolled"}


def test_search_restricted_to_paths() -> None:
    first = make_article("/one.txt", "red apples in the basket")
    second = make_article("/two.txt", "red apples on the tree")
    index = index_of(first, second)
    assert {hit.path for hit in index.search("red apples", paths=["/two.txt"])} == {"/two.txt"}
    assert index.search("red apples", paths=["/missing.txt"]) == []


def test_restricted_search_finds_weaker_matches_of_that_article() -> None:
    others = [
        make_article(f"/other{n}.txt", f"the lighthouse keeper sang song {n} to the gulls")
        for n in range(150)
    ]
    target = make_article("/target.txt", "a lighthouse stood on the cliff")
    index = index_of(*others, target)
    hits = index.search("lighthouse keeper sang", paths=["/target.txt"])
    assert [hit.path for hit in hits] == ["/target.txt"]
    assert "lighthouse" in hits[0].text


def test_chrome_blocks_are_not_searched() -> None:
    builder = DocumentBuilder()
    builder.add(BlockKind.TITLE, "Title")
    builder.add(BlockKind.CHROME, "Most popular subscribe now")
    builder.add(BlockKind.PARAGRAPH, "The actual prose of the article.")
    document = builder.build()
    article = Article(ArticleMeta(id="x", path="/c.txt", title="Title"), document)
    index = index_of(article)
    assert all("subscribe" not in hit.text.lower() for hit in index.search("subscribe now"))
    assert index.search("actual prose")[0].text == "The actual prose of the article."


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize("query", ["", "   ", "!!! ??? ...", "🙂🙂🙂", "—–…", "\x00\x1b[31m"])
def test_queries_without_words_return_nothing(query: str) -> None:
    assert index_of(make_article("/a.txt", *PROSE)).search(query) == []


def test_very_long_query_is_capped_and_fast() -> None:
    article = make_article("/a.txt", *PROSE)
    index = index_of(article)
    query = PROSE[4] + " " + "lorem ipsum dolor " * 5000
    began = time.perf_counter()
    hits = index.search(query)
    assert time.perf_counter() - began < 1.0
    assert hits[0].text == PROSE[4]
    assert len(prepare_query(query).text) <= MAX_QUERY_CHARS


def test_empty_article_and_empty_index() -> None:
    empty = Article(ArticleMeta(id="e", path="/e.txt", title=""), DocumentBuilder().build())
    index = index_of(empty)
    assert index.passage_count == 0
    assert index.search("anything") == []
    assert SearchIndex.in_memory().search("anything") == []


def test_ten_megabyte_single_line_is_cut_into_passages() -> None:
    line = ("lorem ipsum dolor sit amet consectetur " * 260_000)[:10_000_000]
    line = line[:5_000_000] + " the hidden needle phrase " + line[5_000_000:]
    article = make_article("/big.txt", line)
    passages = article_passages(article)
    assert all(p.end - p.start <= MAX_PASSAGE_CHARS for p in passages)
    index = index_of(article)
    began = time.perf_counter()
    hits = index.search("hiden needle phrase")
    assert time.perf_counter() - began < 1.0
    assert "needle" in article.text[hits[0].match_start : hits[0].match_end]


def test_fifty_thousand_paragraphs_in_one_file(tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {n} mentions item{n} and nothing else." for n in range(50_000)]
    paragraphs[31_337] = "Here the wandering albatross circles the ship."
    path = tmp_path / "many.txt"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    article = load_article(path)
    began = time.perf_counter()
    hits = search_article(article, "wanderng albatros circles")
    assert hits[0].text == paragraphs[31_337]
    assert time.perf_counter() - began < 10
    began = time.perf_counter()
    assert search_article(article, "paragraph 4242 mentions item4242")[0].text == paragraphs[4242]
    assert time.perf_counter() - began < 0.5


def test_passages_cover_spans_of_the_canonical_text() -> None:
    long_paragraph = " ".join(f"This is sentence {n} of a long paragraph." for n in range(60))
    article = make_article("/a.txt", long_paragraph, "Short one.")
    passages = article_passages(article)
    assert len(passages) > 3
    for passage in passages:
        text = article.text[passage.start : passage.end]
        assert text == text.strip() and text
    # Consecutive windows of one paragraph overlap (by a sentence).
    assert passages[0].end == len("A title")  # the title is its own passage
    assert passages[2].start < passages[1].end


# ---------------------------------------------------------------- index cache and updates


def test_cache_round_trip(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "one.txt").write_text("One\n\nThe quick brown fox jumps.", encoding="utf-8")
    (library / "two.md").write_text("# Two\n\nA lazy dog sleeps all day.", encoding="utf-8")
    paths = sorted(library.iterdir())
    index = SearchIndex.open(tmp_path / "cache")
    assert index.update(paths) == 2
    index.save()
    reopened = SearchIndex.open(tmp_path / "cache")
    assert reopened.article_count == 2
    assert reopened.passage_count == index.passage_count
    hits = reopened.search("lazzy dog sleeps")
    assert hits[0].path == str(library / "two.md")
    assert hits[0].title == "Two"
    assert reopened.update(paths) == 0  # nothing changed: nothing re-read


def test_update_reindexes_changed_and_prunes_removed(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    two = tmp_path / "two.txt"
    one.write_text("Title\n\nOriginal words about sailing ships.", encoding="utf-8")
    two.write_text("Title\n\nSomething about gardening.", encoding="utf-8")
    index = SearchIndex.open(tmp_path / "cache")
    index.update([one, two])
    one.write_text("Title\n\nFresh words about flying kites.", encoding="utf-8")
    stat = one.stat()
    os.utime(one, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert index.update([one]) == 2  # one re-indexed, two pruned
    assert index.search("sailing ships") == [] or index.search("sailing ships")[0].score < 60
    assert index.search("flying kites")[0].path == str(one)
    assert index.search("gardening") == []
    index.save()
    assert SearchIndex.open(tmp_path / "cache").search("flying kites")[0].path == str(one)


def test_unreadable_and_vanished_files_are_left_out(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Good\n\nReadable text here.", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    index = SearchIndex.open(tmp_path / "cache")
    index.update([good, binary, tmp_path / "missing.txt"])
    assert index.indexed_paths() == [str(good)]


def test_damaged_cache_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for content in (b"", b"POSTIL-SEARCH\n\xff\xff", b"garbage" * 100):
        (cache / "search-index-library.bin").write_bytes(content)
        assert SearchIndex.open(cache).article_count == 0


def test_progress_and_cancel(tmp_path: Path) -> None:
    paths = []
    for n in range(5):
        path = tmp_path / f"a{n}.txt"
        path.write_text(f"Title {n}\n\nText number {n}.", encoding="utf-8")
        paths.append(path)
    seen: list[tuple[int, int]] = []
    index = SearchIndex.in_memory()
    index.update(paths, progress=lambda done, total: seen.append((done, total)),
                 cancelled=lambda: len(seen) >= 2)
    assert seen == [(1, 5), (2, 5)]
    assert index.article_count == 2


def test_search_while_update_runs_in_another_thread(tmp_path: Path) -> None:
    paths = []
    for n in range(40):
        path = tmp_path / f"a{n:02d}.txt"
        path.write_text(f"Title {n}\n\nThe keyword zephyr{n} appears here.", encoding="utf-8")
        paths.append(path)
    index = SearchIndex.in_memory()
    errors: list[BaseException] = []
    started = threading.Event()

    def build() -> None:
        try:
            index.update(paths, progress=lambda done, total: started.set())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=build)
    worker.start()
    started.wait(5)
    while worker.is_alive():
        for hit in index.search("keyword appears"):
            assert "keyword" in hit.text
    worker.join()
    assert not errors
    assert index.search("zephyr39")[0].path == str(paths[-1])


# ---------------------------------------------------------------- article and annotations


def test_search_article_is_cached_and_fast_on_a_big_book() -> None:
    paragraphs = [
        f"Chapter {n // 40} paragraph {n}: the traveller crossed field {n} and forest {n % 97}."
        for n in range(39_000)
    ]
    paragraphs[12_345] = "At last the traveller reached the silver lake beyond the hills."
    book = make_article("/book.txt", *paragraphs)
    assert len(book.text) > 3_000_000
    search_article(book, "warm up")
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        hits = search_article(book, "reachd the silvr lake")
        timings.append(time.perf_counter() - began)
    assert hits[0].text == paragraphs[12_345]
    assert min(timings) < 0.05


def annotation(quote: str, note: str = "", tags: tuple[str, ...] = ()) -> Annotation:
    text = f"prefix {quote} suffix"
    return Annotation.create(
        article_id="a", path="/a.txt", text=text, start=7, end=7 + len(quote), note=note,
        tags=tags,
    )


def test_search_annotations_by_quote_note_and_tag() -> None:
    by_quote = annotation("the whale surfaced beside the boat")
    by_note = annotation("an unrelated quote", note="Compare with Melville's whale chapter")
    by_tag = annotation("something else", tags=("philosophy",))
    noise = annotation("nothing to see", note="really nothing")
    items = [noise, by_tag, by_note, by_quote]
    hits = search_annotations(items, "whale surfacd")
    assert hits[0].annotation is by_quote
    assert hits[0].field == "quote"
    assert any(hit.annotation is by_note and hit.field == "note"
               for hit in search_annotations(items, "melville whale"))
    tag_hits = search_annotations(items, "#philo")
    assert [hit.annotation for hit in tag_hits] == [by_tag]
    assert tag_hits[0].tag == "philosophy"
    assert search_annotations(items, "#") == []
    assert search_annotations(items, "") == []


def test_score_text_offsets_point_into_the_text() -> None:
    text = "Ünïcode façade — “quoted” words, then the İstanbul line."
    result = score_text(prepare_query("the istanbul line"), text)
    assert result is not None
    assert text[result.match_start : result.match_end].lower().startswith("the")
    assert text[result.match_start : result.match_end].endswith("line")


def test_prefix_lookup_sees_terms_added_after_sorting() -> None:
    from reader.search.vocabulary import Vocabulary

    vocabulary = Vocabulary()
    for word in ("apple", "apply", "ape", "banana"):
        vocabulary.add(word)
    assert [vocabulary.terms[i] for i in vocabulary.with_prefix("ap")] == ["ape", "apple", "apply"]
    vocabulary.add("apex")
    vocabulary.add("apricot")
    found = [vocabulary.terms[i] for i in vocabulary.with_prefix("ap")]
    assert found == ["ape", "apex", "apple", "apply", "apricot"]
    assert [vocabulary.terms[i] for i in vocabulary.with_prefix("ape")] == ["apex"]


def test_similar_finds_typos_at_either_end_of_a_word() -> None:
    from reader.search.vocabulary import Vocabulary

    vocabulary = Vocabulary()
    for word in ("lighthouse", "keeper", "harbour", "lightning"):
        vocabulary.add(word)

    def near(word: str) -> set[str]:
        return {vocabulary.terms[i] for i, _distance in vocabulary.similar(word)}

    assert "lighthouse" in near("kighthouse")  # first letter wrong
    assert "lighthouse" in near("lighthousr")  # last letter wrong
    assert "keeper" in near("keepre")  # transposition
    assert "harbour" in near("harbor")  # deletion
    assert near("xyzzy") == set()
