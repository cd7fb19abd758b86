"""Benchmark postil's passage search against a plain rapidfuzz ``partial_ratio`` full scan.

Run ``python bench/search.py`` (from the repository root). It generates prose-like corpora of
10k, 100k and 300k passages (Zipf-distributed vocabulary of made-up but real-looking words,
real English function words, many very short paragraphs such as "No."), or indexes a folder
given with ``--folder``. Queries are random 5-9 word spans of random passages with one or two
character edits (substitution, deletion, transposition) at random positions, spaces included.

A result counts as right when it is in the query's article and its matched span overlaps the
span the query was cut from. Printed side by side for each size: top-1 / top-5 accuracy,
median / p95 latency, index build time and index size, for postil and for the plain scan.

``--phrase-fix`` instead measures what the phrase-window and number fixes cost (issue 13,
item 24): the same corpus is indexed twice in one run, with the previous passage windows
(consecutive windows shared one sentence) and typo rule (numbers could be typos) and with the
current ones (the corpus gets some paragraphs of 35-75 word sentences, as in legal or
academic prose), and the same queries are timed against both: each query runs before and
after back to back, best of three, so machine load affects both alike. Printed: median / p95
latency before and after and their ratio, and how often a 12-word span across a sentence
boundary is found whole (score 100).
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process  # noqa: E402
from rapidfuzz.utils import default_process  # noqa: E402

from reader.article import Article, ArticleMeta  # noqa: E402
from reader.document import BlockKind, DocumentBuilder  # noqa: E402
from reader.loading import ArticleError, fingerprint, load_article  # noqa: E402
from reader.search import SearchHit, SearchIndex  # noqa: E402
from reader.search.passages import Passage, article_passages  # noqa: E402

FUNCTION_WORDS = (
    "the of and to a in that is was he for it with as his on be at by i this had not are but "
    "from or have an they which one you were her all she there would their we him been has when "
    "who will more no if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most made "
    "after also did many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world still own see men "
    "work long get here between both life being under never day same another know while last "
    "might us great old year off come since against go came right used take three"
).split()
ONSETS = (
    "b c d f g h j k l m n p r s t v w z bl br ch cl cr dr fl fr gl gr kn ph pl pr qu sc sh sk "
    "sl sm sn sp st sw th tr wh wr str spr"
).split()
VOWELS = "a e i o u a e i o ea ee ai ou oo ie io ia".split()
CODAS = "  n r s t l m d ng nd nt st rd rn ll ck ss x th sh ght".split(" ")
SUFFIXES = ["", "", "", "", "s", "ed", "ing", "ly", "er", "ion", "ness", "ment", "able", "ous"]
SHORT_PARAGRAPHS = (
    "No.", "Yes.", "Why?", "Indeed.", "Perhaps.", "Never.", "Of course.", "I see.", "Really?",
    "Not at all.", "Go on.", "Thank you.", "Well?", "Exactly.", "Quite so.", "Nonsense!",
    "He said so.", "And then?", "It was not.", "So it is.", "All of them.", "Not now.",
    "The other one.", "She did.", "I will.", "What for?", "In the end.", "By the way.",
)


def make_word(rng: random.Random) -> str:
    """Return one made-up word of 1-4 syllables."""
    syllables = rng.choices((1, 2, 3, 4), weights=(3, 5, 3, 1))[0]
    parts = []
    for index in range(syllables):
        onset = rng.choice(ONSETS) if index == 0 or rng.random() < 0.7 else ""
        coda = rng.choice(CODAS) if rng.random() < 0.5 else ""
        parts.append(onset + rng.choice(VOWELS) + coda)
    return "".join(parts) + rng.choice(SUFFIXES)


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    """Function words first (most frequent), then ``size`` distinct made-up words."""
    words: dict[str, None] = dict.fromkeys(FUNCTION_WORDS)
    while len(words) < size + len(FUNCTION_WORDS):
        words.setdefault(make_word(rng), None)
    return list(words)


class ProseGenerator:
    """Generates sentences and paragraphs like English prose in their word statistics.

    One Zipf distribution (exponent about 1, as in English) runs over the whole vocabulary, the
    ~190 function words taking the top ranks, so about half of all words are function words.
    Like real prose, a word never follows itself and no more than two function words come in a
    row.
    """

    def __init__(self, seed: int, vocabulary_size: int = 60_000, exponent: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.words = make_vocabulary(self.rng, vocabulary_size)
        self.cumulative = _zipf_cumulative(len(self.words), exponent)
        self.function_count = len(FUNCTION_WORDS)

    def sentence(self) -> str:
        """One sentence of 3-28 words with occasional commas, capitalised and punctuated."""
        rng = self.rng
        count = max(3, min(28, int(rng.gauss(14, 6))))
        drawn = rng.choices(range(len(self.words)), cum_weights=self.cumulative, k=count * 2)
        spare = iter(rank for rank in drawn[count:] if rank >= self.function_count)
        words: list[str] = []
        run = 0
        for rank in drawn[:count]:
            if rank < self.function_count and run >= 2:
                rank = next(spare, self.function_count + rng.randrange(1000))
            word = self.words[rank]
            if words and words[-1].rstrip(",") == word:
                continue
            run = run + 1 if rank < self.function_count else 0
            if words and rng.random() < 0.06:
                words[-1] += ","
            words.append(word)
        text = " ".join(words).rstrip(",")
        return text[0].upper() + text[1:] + rng.choice(".......?!")

    def long_sentence(self) -> str:
        """One sentence of 35-75 words (legal or academic prose)."""
        parts = [self.sentence().rstrip(".?!") for _ in range(self.rng.randint(3, 5))]
        text = ", ".join(part[0].lower() + part[1:] for part in parts)
        words = text.split()[: self.rng.randint(35, 75)]
        text = " ".join(words).rstrip(",")
        return text[0].upper() + text[1:] + "."

    def few_words(self, most: int) -> str:
        """One to ``most`` vocabulary words, capitalised (a heading, a one-word reply)."""
        count = self.rng.randint(1, most)
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def paragraph(self) -> str:
        """A paragraph: 25% very short ("No.", "Foeion."), else 1-9 sentences."""
        if self.rng.random() < 0.25:
            if self.rng.random() < 0.5:
                return self.rng.choice(SHORT_PARAGRAPHS)
            return self.few_words(2) + self.rng.choice(".?!")
        count = max(1, min(9, int(self.rng.expovariate(1 / 3)) + 1))
        return " ".join(self.sentence() for _ in range(count))


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    cumulative: list[float] = []
    total = 0.0
    for rank in range(1, count + 1):
        total += 1.0 / rank**exponent
        cumulative.append(total)
    return cumulative


def generate_articles(passages: int, seed: int = 7, long_sentences: bool = False) -> list[Article]:
    """Generate in-memory articles until they hold at least ``passages`` search passages.

    With ``long_sentences`` a fifth of the paragraphs are 3-6 sentences of 35-75 words.
    """
    generator = ProseGenerator(seed)
    articles: list[Article] = []
    total = 0
    while total < passages:
        builder = DocumentBuilder()
        title = generator.sentence().rstrip(".?!")
        builder.add(BlockKind.TITLE, title)
        for _ in range(generator.rng.randint(40, 300)):
            if generator.rng.random() < 0.12:
                builder.add(BlockKind.HEADING, generator.few_words(3), level=2)
            if long_sentences and generator.rng.random() < 0.2:
                count = generator.rng.randint(3, 6)
                paragraph = " ".join(generator.long_sentence() for _ in range(count))
            else:
                paragraph = generator.paragraph()
            builder.add(BlockKind.PARAGRAPH, paragraph)
        document = builder.build()
        path = f"/bench/article-{len(articles):05d}.txt"
        meta = ArticleMeta(id=fingerprint(document.text), path=path, title=title)
        article = Article(meta, document)
        total += len(article_passages(article))
        articles.append(article)
    return articles


@dataclass(frozen=True, slots=True)
class Query:
    """A benchmark query: the typed text and where it was cut from."""

    text: str
    path: str
    start: int
    end: int


def add_typos(text: str, rng: random.Random, edits: int) -> str:
    """Apply ``edits`` random character edits: substitution, deletion or transposition."""
    chars = list(text)
    for _ in range(edits):
        if len(chars) < 3:
            break
        kind = rng.choice(("substitute", "delete", "transpose"))
        position = rng.randrange(len(chars) - 1)
        if kind == "substitute":
            chars[position] = rng.choice(string.ascii_lowercase)
        elif kind == "delete":
            del chars[position]
        else:
            chars[position], chars[position + 1] = chars[position + 1], chars[position]
    return "".join(chars)


def make_queries(articles: Sequence[Article], count: int, seed: int = 11) -> list[Query]:
    """Random 5-9 word spans of random passages (of at least 5 words), with 1-2 edits each."""
    import re

    rng = random.Random(seed)
    word = re.compile(r"\S+")
    queries: list[Query] = []
    while len(queries) < count:
        article = rng.choice(articles)
        passage = rng.choice(article_passages(article))
        words = list(word.finditer(article.text, passage.start, passage.end))
        if len(words) < 5:
            continue
        size = rng.randint(5, min(9, len(words)))
        first = rng.randrange(len(words) - size + 1)
        start, end = words[first].start(), words[first + size - 1].end()
        text = add_typos(article.text[start:end], rng, rng.randint(1, 2))
        queries.append(Query(text, article.meta.path, start, end))
    return queries


def is_right(hit: SearchHit, query: Query) -> bool:
    """A hit is right when it is in the query's article and its match overlaps the source."""
    return (
        hit.path == query.path
        and hit.match_start < query.end
        and hit.match_end > query.start
    )


@dataclass(slots=True)
class Figures:
    """Accuracy and latency of one engine over one query set."""

    top1: float
    top5: float
    median_ms: float
    p95_ms: float
    queries: int


def measure(search: Callable[[str], list[SearchHit]], queries: Sequence[Query]) -> Figures:
    """Run every query, timing each, and score the results."""
    latencies: list[float] = []
    top1 = top5 = 0
    for query in queries:
        began = time.perf_counter()
        hits = search(query.text)
        latencies.append((time.perf_counter() - began) * 1000)
        if hits and is_right(hits[0], query):
            top1 += 1
        if any(is_right(hit, query) for hit in hits[:5]):
            top5 += 1
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return Figures(
        top1 / len(queries), top5 / len(queries), statistics.median(latencies), p95, len(queries)
    )


class PlainScan:
    """The baseline: rapidfuzz ``partial_ratio`` of the query against every passage.

    Texts are processed with rapidfuzz's ``default_process`` (lowercase, punctuation removed),
    as a plain fuzzy search would.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.texts: list[str] = []
        self.owners: list[tuple[Article, int, int]] = []
        for article in articles:
            for passage in article_passages(article):
                self.texts.append(article.text[passage.start : passage.end])
                self.owners.append((article, passage.start, passage.end))

    def search(self, query: str) -> list[SearchHit]:
        """Top 5 passages by ``partial_ratio``, as hits spanning the whole passage."""
        found = process.extract(
            query, self.texts, scorer=fuzz.partial_ratio, processor=default_process, limit=5
        )
        hits = []
        for _text, score, index in found:
            article, start, end = self.owners[index]
            hits.append(
                SearchHit(
                    path=article.meta.path,
                    title=article.meta.title,
                    article_id=article.meta.id,
                    score=float(score),
                    start=start,
                    end=end,
                    match_start=start,
                    match_end=end,
                    text=self.texts[index],
                )
            )
        return hits


class TantivyCandidates:
    """For comparison: tantivy (Rust) proposes the candidates, postil's ranking orders them.

    Each query word becomes a SHOULD clause: its exact term plus a fuzzy term query (edit
    distance 1, or 2 from eight letters; transposition costs 1). The top 64 by tantivy's score
    are ranked by the same code as postil's own candidates, so only candidate generation
    differs. Passage ids are postil's (the index is built from the same articles in order).
    """

    def __init__(self, articles: Sequence[Article], index: SearchIndex) -> None:
        import tantivy

        self.tantivy = tantivy
        self.postil = index
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False)
        builder.add_integer_field("pid", stored=True, indexed=False)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=200_000_000, num_threads=2)
        passage_id = 0
        for article in articles:
            for passage in article_passages(article):
                text = article.text[passage.start : passage.end]
                writer.add_document(tantivy.Document(body=text, pid=passage_id))
                passage_id += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: str) -> list[SearchHit]:
        """Top 5 hits: tantivy's 64 best candidates ranked by postil."""
        from reader.search.scoring import max_typos, prepare_query

        tantivy = self.tantivy
        prepared = prepare_query(query)
        clauses = []
        for word in prepared.words:
            clauses.append((tantivy.Occur.Should,
                            tantivy.Query.term_query(self.schema, "body", word)))
            if max_typos(word):
                fuzzy = tantivy.Query.fuzzy_term_query(
                    self.schema, "body", word, distance=max_typos(word),
                    transposition_cost_one=True,
                )
                clauses.append((tantivy.Occur.Should, fuzzy))
        if not clauses:
            return []
        found = self.searcher.search(tantivy.Query.boolean_query(clauses), 64)
        candidates = [self.searcher.doc(address)["pid"][0] for _score, address in found.hits]
        # Same ranking code as SearchIndex.search (a private hook: benchmark only).
        return self.postil._rank(self.postil._data, prepared, candidates, 5)


def load_folder(folder: Path) -> list[Article]:
    """Load every article file under ``folder`` (unreadable files skipped)."""
    from reader.library import LibrarySource

    articles = []
    for path in LibrarySource([folder]).article_paths():
        try:
            articles.append(load_article(path))
        except ArticleError:
            continue
    return articles


def run_size(
    label: str,
    articles: list[Article],
    queries: int,
    scan_queries: int,
    seed: int,
    with_tantivy: bool = False,
) -> None:
    """Benchmark the engines on one corpus and print a block of figures."""
    passage_count = sum(len(article_passages(article)) for article in articles)
    characters = sum(len(article.text) for article in articles)
    print(f"\n== {label}: {len(articles):,} articles, {passage_count:,} passages, "
          f"{characters / 1e6:.1f} M characters", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        index = SearchIndex.open(Path(cache))
        began = time.perf_counter()
        for article in articles:
            index.add_article(article)
        build = time.perf_counter() - began
        began = time.perf_counter()
        index.save()
        save = time.perf_counter() - began
        assert index.cache_path is not None
        size = index.cache_path.stat().st_size
        began = time.perf_counter()
        reloaded = SearchIndex.open(Path(cache))
        load = time.perf_counter() - began
        assert reloaded.passage_count == index.passage_count
    query_set = make_queries(articles, queries, seed)
    postil = measure(lambda text: index.search(text, limit=5), query_set)
    scan = PlainScan(articles)
    baseline = measure(scan.search, query_set[:scan_queries])
    rows = [("postil", postil), ("rapidfuzz full scan", baseline)]
    print(f"   postil index: build {build:.1f} s, save {save:.2f} s, load {load:.2f} s, "
          f"size {size / 1e6:.1f} MB on disk")
    if with_tantivy:
        try:
            began = time.perf_counter()
            engine = TantivyCandidates(articles, index)
            print(f"   tantivy index (RAM): build {time.perf_counter() - began:.1f} s")
            rows.append(("tantivy + postil rank", measure(engine.search, query_set)))
        except ImportError:
            print("   (tantivy not installed: comparison skipped)")
    print(f"   {'engine':<24}{'queries':>8}{'top-1':>8}{'top-5':>8}{'median ms':>11}{'p95 ms':>9}")
    for name, figures in rows:
        print(f"   {name:<24}{figures.queries:>8}{figures.top1:>8.3f}{figures.top5:>8.3f}"
              f"{figures.median_ms:>11.1f}{figures.p95_ms:>9.1f}")
    print(f"   postil speed-up over the full scan (median): "
          f"{baseline.median_ms / postil.median_ms:.0f}x", flush=True)


def _legacy_windows(text: str, start: int, end: int) -> list[Passage]:
    """The passage windows before the phrase fix: consecutive windows share one sentence."""
    from reader.search.passages import MAX_PASSAGE_CHARS, WINDOW_CHARS, _sentences

    sentences = _sentences(text, start, end)
    windows: list[Passage] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences):
            width = sentences[last + 1][1] - sentences[first][0]
            if width > WINDOW_CHARS and not (last == first and width <= MAX_PASSAGE_CHARS):
                break
            last += 1
        windows.append(Passage(sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        first = last if last > first else last + 1
    return windows


def _legacy_max_typos(word: str) -> int:
    """The typo rule before the number fix: "2004" could match "2005"."""
    if len(word) <= 2:
        return 0
    if len(word) <= 7:
        return 1
    return 2


@contextmanager
def legacy_search() -> Iterator[None]:
    """Run postil's search as it was before the phrase and number fixes (benchmark only)."""
    import reader.search.passages as passages
    import reader.search.scoring as scoring
    import reader.search.vocabulary as vocabulary

    saved = (passages._windows, scoring.max_typos, vocabulary.max_typos)
    passages._windows = _legacy_windows
    scoring.max_typos = vocabulary.max_typos = _legacy_max_typos
    try:
        yield
    finally:
        passages._windows, scoring.max_typos, vocabulary.max_typos = saved


def boundary_queries(articles: Sequence[Article], count: int, seed: int = 13) -> list[Query]:
    """Exact 12-word spans that cross a sentence boundary inside a long paragraph."""
    import re

    rng = random.Random(seed)
    word = re.compile(r"\S+")
    long_blocks = [
        (article, block)
        for article in articles
        for block in article.document.blocks
        if block.kind is BlockKind.PARAGRAPH and block.end - block.start > 480
    ]
    queries: list[Query] = []
    while len(queries) < count and long_blocks:
        article, block = rng.choice(long_blocks)
        words = list(word.finditer(article.text, block.start, block.end))
        ends = [
            i for i, w in enumerate(words[:-11]) if i >= 10 and w.group().endswith((".", "?", "!"))
        ]
        if not ends:
            continue
        boundary = rng.choice(ends)
        first = boundary - rng.randint(0, 10)
        start, end = words[first].start(), words[first + 11].end()
        queries.append(Query(article.text[start:end], article.meta.path, start, end))
    return queries


def run_phrase_fix(size: int, queries: int, seed: int, rounds: int = 3) -> None:
    """Before/after figures of the phrase-window and number fixes, in one run."""
    articles = generate_articles(size, seed, long_sentences=True)
    query_set = make_queries(articles, queries, seed)
    spans = boundary_queries(articles, max(50, queries // 4), seed)
    with tempfile.TemporaryDirectory() as cache:
        with legacy_search():
            before_index = SearchIndex.open(Path(cache) / "before")
            for article in articles:
                before_index.add_article(article)
            before_passages = before_index.passage_count
        after_index = SearchIndex.open(Path(cache) / "after")
        for article in articles:
            after_index.add_article(article)
    print(f"\n== phrase fix, {len(articles):,} articles: {before_passages:,} passages before, "
          f"{after_index.passage_count:,} after; {len(query_set)} typo queries, "
          f"{len(spans)} 12-word spans across a sentence boundary", flush=True)

    def whole(index: SearchIndex) -> float:
        found = 0
        for query in spans:
            hits = index.search(query.text, limit=5)
            found += bool(hits) and hits[0].score == 100 and is_right(hits[0], query)
        return found / len(spans)

    def timed(index: SearchIndex, text: str, legacy: bool) -> tuple[float, list[SearchHit]]:
        if legacy:
            with legacy_search():
                began = time.perf_counter()
                hits = index.search(text, limit=5)
                return (time.perf_counter() - began) * 1000, hits
        began = time.perf_counter()
        hits = index.search(text, limit=5)
        return (time.perf_counter() - began) * 1000, hits

    # Each query runs before and after back to back (the order alternating), ``rounds`` times:
    # both see the same machine load; a query's time is its fastest run.
    before_ms = [float("inf")] * len(query_set)
    after_ms = [float("inf")] * len(query_set)
    before_top1 = after_top1 = 0
    for round_number in range(rounds):
        for number, query in enumerate(query_set):
            order = (True, False) if (number + round_number) % 2 == 0 else (False, True)
            for legacy in order:
                elapsed, hits = timed(before_index if legacy else after_index, query.text, legacy)
                times = before_ms if legacy else after_ms
                times[number] = min(times[number], elapsed)
                if round_number == 0 and hits and is_right(hits[0], query):
                    if legacy:
                        before_top1 += 1
                    else:
                        after_top1 += 1
    with legacy_search():
        before_whole = whole(before_index)
    after_whole = whole(after_index)

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

    before_median, after_median = statistics.median(before_ms), statistics.median(after_ms)
    before_p95, after_p95 = p95(before_ms), p95(after_ms)
    before_runs = [Figures(before_top1 / len(query_set), 0.0, before_median, before_p95, 0)]
    after_runs = [Figures(after_top1 / len(query_set), 0.0, after_median, after_p95, 0)]
    print(f"   {'':<8}{'top-1':>8}{'median ms':>11}{'p95 ms':>9}{'spans found whole':>19}")
    print(f"   {'before':<8}{before_runs[-1].top1:>8.3f}{before_median:>11.2f}{before_p95:>9.2f}"
          f"{before_whole:>19.3f}")
    print(f"   {'after':<8}{after_runs[-1].top1:>8.3f}{after_median:>11.2f}{after_p95:>9.2f}"
          f"{after_whole:>19.3f}")
    print(f"   latency after / before: median {after_median / before_median:.3f}, "
          f"p95 {after_p95 / before_p95:.3f} (each query timed before and after back to back, "
          f"best of {rounds})", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,300000",
                        help="comma-separated passage counts (default: 10000,100000,300000)")
    parser.add_argument("--queries", type=int, default=400, help="postil queries per size")
    parser.add_argument("--scan-queries", type=int, default=40,
                        help="queries for the (slow) full scan per size")
    parser.add_argument("--folder", type=Path, help="benchmark on the articles in this folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tantivy", action="store_true",
                        help="also measure tantivy as the candidate generator")
    parser.add_argument("--phrase-fix", action="store_true",
                        help="before/after latency of the phrase-window and number fixes")
    args = parser.parse_args(argv)
    if args.phrase_fix:
        for size in (int(part) for part in args.sizes.split(",")):
            run_phrase_fix(size, args.queries, args.seed)
        return 0
    if args.folder:
        run_size(str(args.folder), load_folder(args.folder), args.queries, args.scan_queries,
                 args.seed, args.tantivy)
        return 0
    for size in (int(part) for part in args.sizes.split(",")):
        articles = generate_articles(size, args.seed)
        queries = args.queries if size <= 100_000 else max(100, args.queries // 2)
        scan_queries = args.scan_queries if size <= 100_000 else max(10, args.scan_queries // 2)
        run_size(f"{size:,} passages", articles, queries, scan_queries, args.seed, args.tantivy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

