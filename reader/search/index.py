"""The library search index: build, update, search, cache on disk.

Searching is two steps:

1. **Candidates** (:meth:`SearchIndex._candidates`). Each query word is looked up in the
   vocabulary as typed, with typos (:meth:`Vocabulary.similar`), split in two when a typo ran
   two words together, and as a prefix while it is being typed. Rare words vote for the
   passages holding them (C-speed sets and a Counter); the passages with the most votes are
   weighed by every word they hold (inverse document frequency, less for typo neighbours),
   and the best :data:`CANDIDATES` go on. A query of only common words intersects instead.
2. **Ranking** (:meth:`SearchIndex._rank`). A C-speed rapidfuzz pass keeps the
   :data:`SHORTLIST` candidates aligning best with the query; each is scored by
   :func:`~reader.search.scoring.score_text` (exact phrase > every word with typos > partial,
   with the best-matching span). Hits that overlap in one article (overlapping sentence
   windows) are merged.

The index is safe to share between threads: :meth:`SearchIndex.update` (in a worker) loads each
article outside the lock and inserts it under the lock, so :meth:`SearchIndex.search` (in
another worker) always sees a consistent index holding every article indexed so far.
"""

from __future__ import annotations

import heapq
import math
import os
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from itertools import repeat
from pathlib import Path

from rapidfuzz import fuzz

from reader.article import Article
from reader.loading import ArticleError, load_article
from reader.search import storage
from reader.search.data import IndexData, IndexedArticle
from reader.search.hit import SearchHit
from reader.search.indexed_text import IndexedText
from reader.search.passages import article_passages, searchable_text
from reader.search.scoring import PreparedQuery, matched_word_spans, prepare_query, score_text
from reader.search.text import fold, tokens

#: Passages proposed by the index per query; the SHORTLIST aligning best are ranked in full.
CANDIDATES = 64
SHORTLIST = 20
#: At most this many passages proposed by the rare words are weighed in full.
POOL = 1000
#: Posting entries up to which a word's weights are looked up in a table built from them.
TABLE_LIMIT = 4_000
#: A term in more than this share of passages (and at least COMMON_MIN) selects nothing.
COMMON_SHARE = 0.02
COMMON_MIN = 500
#: Weight of a term matched with 1 or 2 typos, or as a prefix of the word being typed.
TYPO_WEIGHT = (1.0, 0.75, 0.5)
PREFIX_WEIGHT = 0.7
#: Rebuild (compact) the index when this share of its passages belong to removed articles.
COMPACT_SHARE = 0.3

ProgressCallback = Callable[[int, int], None]


class SearchIndex:
    """Passage search over many articles, cached on disk.

    Open the library's index with :meth:`open`, bring it up to date with :meth:`update` (in a
    worker for a large library; :meth:`search` works meanwhile on what is ready), search with
    :meth:`search`, and :meth:`save` it.
    """

    def __init__(self, cache_path: Path | None = None) -> None:
        self.cache_path = cache_path
        self._data = IndexData()
        self._lock = threading.RLock()
        self._dirty = False

    @classmethod
    def open(cls, cache_dir: Path | None = None, name: str = "library") -> SearchIndex:
        """Open the index cached as ``search-index-<name>.bin`` in ``cache_dir``.

        ``cache_dir`` defaults to :func:`reader.paths.cache_dir` (``POSTIL_CACHE``). A missing,
        damaged or outdated cache gives an empty index (it is rebuilt by :meth:`update`).
        """
        if cache_dir is None:
            from reader.paths import cache_dir as default_cache_dir

            cache_dir = default_cache_dir()
        index = cls(Path(cache_dir) / f"search-index-{name}.bin")
        assert index.cache_path is not None
        loaded = storage.read_index(index.cache_path)
        if loaded is not None:
            index._data = loaded
        return index

    @classmethod
    def in_memory(cls) -> SearchIndex:
        """An index that is never saved (one article, tests)."""
        return cls(None)

    # ----------------------------------------------------------------- state

    @property
    def passage_count(self) -> int:
        """Number of searchable passages."""
        return self._data.live_passages

    @property
    def article_count(self) -> int:
        """Number of indexed articles."""
        return len(self._data.by_path)

    def indexed_paths(self) -> list[str]:
        """Paths of the indexed articles."""
        with self._lock:
            return list(self._data.by_path)

    def is_current(self, path: Path | str) -> bool:
        """True when ``path`` is indexed and its file's size and mtime are unchanged."""
        key = str(Path(path).absolute())
        entry = self._data.by_path.get(key)
        if entry is None:
            return False
        try:
            stat = os.stat(key)
        except OSError:
            return False
        return entry.size == stat.st_size and entry.mtime_ns == stat.st_mtime_ns

    def indexed_text(self, path: Path | str, article_id: str = "") -> IndexedText | None:
        """The article's prose as indexed, when the index is current for the file.

        Current means the file's size and mtime are those indexed and, when ``article_id``
        (the content fingerprint) is given, the indexed version has that id. None otherwise,
        or when the stored passages are inconsistent.
        """
        key = path if isinstance(path, str) and os.path.isabs(path) else str(Path(path).absolute())
        with self._lock:
            data = self._data
            entry = data.by_path.get(key)
            if entry is None or (article_id and entry.id != article_id):
                return None
            passages = [
                (data.starts[i], data.ends[i], data.texts[i])
                for i in range(entry.first, entry.first + entry.count)
                if i < len(data.texts) and data.alive[i]
            ]
            size, mtime_ns = entry.size, entry.mtime_ns
        try:
            stat = os.stat(key)
        except OSError:
            return None
        if (size, mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            return None
        return IndexedText.from_passages(passages)

    def paths_with_words(self, text: str, words: int = 3, limit: int = 20) -> list[str]:
        """Articles with a passage holding all of the ``words`` rarest indexed words of
        ``text``: a cheap, exact first step to find which article a long quote comes from.

        Empty when fewer than half of the text's distinct words are in the index at all (its
        source is not in the library). At most ``limit`` paths, in passage order.
        """
        terms = list(dict.fromkeys(tokens(text)))
        with self._lock:
            data = self._data
            known = [
                data.postings[term_id]
                for term in terms
                if (term_id := data.vocabulary.ids.get(term)) is not None
            ]
            if not known or 2 * len(known) < len(terms):
                return []
            known.sort(key=len)
            rarest, others = known[0], known[1:words]
            found: list[str] = []
            for passage_id in rarest:
                if not data.alive[passage_id] or not all(
                    _holds(posting, passage_id) for posting in others
                ):
                    continue
                entry = data.articles[data.owners[passage_id]]
                if entry is not None and entry.path not in found:
                    found.append(entry.path)
                    if len(found) >= limit:
                        break
            return found

    # -------------------------------------------------------------- building

    def add_article(
        self, article: Article, *, size: int | None = None, mtime_ns: int | None = None
    ) -> None:
        """Index one loaded article, replacing any earlier version at the same path.

        ``size`` and ``mtime_ns`` identify the file version for :meth:`update`; by default the
        file is stat'ed now (an article not backed by a file is simply re-checked next time).
        """
        if size is None or mtime_ns is None:
            try:
                stat = os.stat(article.meta.path)
                size, mtime_ns = stat.st_size, stat.st_mtime_ns
            except OSError:
                size, mtime_ns = -1, -1
        text = searchable_text(article)
        passages = [
            (p.start, p.end, text[p.start : p.end]) for p in article_passages(article, text)
        ]
        entry = IndexedArticle(
            article.meta.path, article.meta.id, article.meta.title, size, mtime_ns, 0, 0, 0
        )
        with self._lock:
            self._data.add_article(entry, passages)
            self._dirty = True

    def remove(self, path: Path | str) -> bool:
        """Forget the article at ``path``; returns whether it was indexed."""
        with self._lock:
            removed = self._data.remove(str(path))
            self._dirty = self._dirty or removed
            return removed

    def update(
        self,
        paths: Sequence[Path | str],
        progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
        prune: bool = True,
    ) -> int:
        """Bring the index up to date with the article files ``paths``.

        New files and files whose size or mtime changed are (re)loaded and indexed; a file
        whose content fingerprint is unchanged (only touched) is not re-indexed. Unreadable
        files are left out. With ``prune``, indexed articles not in ``paths`` are forgotten.
        ``progress(done, total)`` is called after each file; ``cancelled()`` is checked before
        each file and stops the update early (what was indexed so far stays).

        Returns the number of articles (re)indexed or removed.
        """
        absolute = [str(Path(path).absolute()) for path in paths]
        changes = 0
        if prune:
            wanted = set(absolute)
            with self._lock:
                for path in [p for p in self._data.by_path if p not in wanted]:
                    changes += self._data.remove(path)
        total = len(absolute)
        for done, path in enumerate(absolute, start=1):
            if cancelled is not None and cancelled():
                break
            changes += self._update_one(path)
            if progress is not None:
                progress(done, total)
        from reader.search.chapters import save_contents

        save_contents()
        with self._lock:
            if changes:
                self._dirty = True
            data = self._data
            if data.dead and data.dead > COMPACT_SHARE * len(data.texts):
                self._data = data.compacted()
        return changes

    def _update_one(self, path: str) -> int:
        try:
            stat = os.stat(path)
        except OSError:
            return int(self.remove(path))
        entry = self._data.by_path.get(path)
        if entry is not None and (entry.size, entry.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return 0
        try:
            article = load_article(path)
        except (ArticleError, RecursionError, ValueError, OSError):
            return int(self.remove(path))
        except Exception:  # a parser bug must not stop indexing the rest of the library
            return int(self.remove(path))
        if article.book is not None:  # its contents name the chapters of search results
            from reader.search.chapters import remember_contents

            remember_contents(article, stat.st_size, stat.st_mtime_ns)
        if entry is not None and entry.id == article.meta.id:
            with self._lock:
                entry.size, entry.mtime_ns = stat.st_size, stat.st_mtime_ns
                self._dirty = True
            return 0
        self.add_article(article, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
        return 1

    def save(self) -> None:
        """Write the index to its cache file atomically, if it changed (best effort)."""
        if self.cache_path is None:
            return
        with self._lock:
            if not self._dirty:
                return
            if self._data.needs_compaction:
                self._data = self._data.compacted()
            try:
                storage.write_index(self.cache_path, self._data)
            except OSError:
                return
            self._dirty = False

    # ------------------------------------------------------------- searching

    def search(
        self, query: str, limit: int = 20, paths: Collection[str | Path] | None = None
    ) -> list[SearchHit]:
        """Return up to ``limit`` passages best matching ``query``, best first.

        ``paths`` restricts the search to those articles (e.g. the current article, or the
        library's files when the index holds more).
        """
        prepared = prepare_query(query)
        if prepared.empty or limit <= 0:
            return []
        with self._lock:
            data = self._data
            slots: set[int] | None = None
            if paths is not None:
                slots = set()
                for path in paths:
                    entry = data.by_path.get(str(path))
                    if entry is not None:
                        slots.add(entry.slot)
                if not slots:
                    return []
            candidates = self._candidates(data, prepared, slots, max(CANDIDATES, 3 * limit))
            return self._rank(data, prepared, candidates, limit)

    def _term_weights(self, data: IndexData, query: PreparedQuery) -> list[dict[int, float]]:
        """Per query word: the matching term ids with their weight (idf x typo factor)."""
        total = max(1, data.live_passages)
        vocabulary = data.vocabulary
        weighted: list[dict[int, float]] = []
        # In a longer query a known word is taken as typed: its typo neighbours would cost
        # more than they find (the other words find the passage, ranking forgives the typo).
        short = len(query.words) <= 3
        for word in query.words:
            terms: dict[int, float] = {}
            known = vocabulary.ids.get(word)
            if known is not None and not short:
                matches = [(known, 0)]
            else:
                matches = vocabulary.similar(word)
            if not matches:
                # Two words run together by a typo: use their rare parts.
                matches = [
                    (term_id, 1)
                    for term_id in vocabulary.splits(word)
                    if len(data.postings[term_id]) <= COMMON_SHARE * total
                ]
            if word == query.prefix:
                matches += [(term_id, -1) for term_id in vocabulary.with_prefix(word)]
            exact = vocabulary.ids.get(word)
            ceiling = math.inf
            if exact is not None and data.postings[exact]:
                ceiling = math.log(1.0 + total / len(data.postings[exact]))
            for term_id, distance in matches:
                document_frequency = len(data.postings[term_id])
                if not document_frequency:
                    continue
                # A near miss never outweighs the word as typed, when that word exists.
                idf = min(ceiling, math.log(1.0 + total / document_frequency))
                factor = PREFIX_WEIGHT if distance < 0 else TYPO_WEIGHT[min(distance, 2)]
                terms[term_id] = max(terms.get(term_id, 0.0), idf * factor)
            weighted.append(terms)
        return weighted

    def _candidates(
        self, data: IndexData, query: PreparedQuery, slots: set[int] | None, count: int
    ) -> list[int]:
        """The ``count`` passages most worth ranking in full.

        1. Each query word becomes a *group*: the set of passages holding any of its terms
           (the word itself, its typo neighbours, its completions while being typed).
        2. The rare groups (in at most :data:`COMMON_SHARE` of passages) vote: passages in the
           most of them, or in one fewer, are kept (C-speed set and Counter operations). A
           query of only common words intersects its groups instead.
        3. The kept passages are weighed by every group they are in (inverse document
           frequency, less for typo neighbours), and the best ``count`` go on to ranking.
        """
        total = max(1, data.live_passages)
        common = max(COMMON_MIN, int(COMMON_SHARE * total))
        postings = data.postings
        groups: list[tuple[int, list[tuple[float, int]]]] = []
        for terms in self._term_weights(data, query):
            if terms:
                size = sum(len(postings[term_id]) for term_id in terms)
                groups.append((size, sorted(((w, t) for t, w in terms.items()), reverse=True)))
        if not groups:
            return []
        groups.sort(key=_first)
        alive, owners = data.alive, data.owners

        def allowed(passage_id: int) -> bool:
            return bool(alive[passage_id]) and (slots is None or owners[passage_id] in slots)

        filtered = slots is not None or data.dead > 0
        rare = [group for size, group in groups if size <= common]
        kept: list[int] = []
        if rare:
            counter: Counter[int] = Counter()
            for group in rare:
                counter.update(_holders(postings, group))
            votes = list(counter.items())
            if filtered:
                votes = [item for item in votes if allowed(item[0])]
            most = max((votes_for for _p, votes_for in votes), default=0)
            for threshold in range(most, 0, -1):
                kept = [p for p, votes_for in votes if votes_for >= threshold]
                if len(kept) >= count:
                    break
            if len(kept) > POOL:
                kept.sort(key=counter.__getitem__, reverse=True)
        else:
            found = _holders(postings, groups[0][1])
            if filtered:
                found = {p for p in found if allowed(p)}
            for _size, group in groups[1:]:
                narrower = found.intersection(_holders(postings, group))
                if not narrower:
                    break
                found = narrower
            kept = sorted(found)
        del kept[POOL:]
        if len(kept) <= count:
            return kept
        columns = [
            list(map(_weight_table(postings, size, group, kept).get, kept, repeat(0.0)))
            for size, group in groups
        ]
        weighed = list(zip(kept, map(sum, zip(*columns, strict=True)), strict=True))
        return [p for p, _ in heapq.nlargest(count, weighed, key=_second)]

    def _rank(
        self, data: IndexData, query: PreparedQuery, candidates: list[int], limit: int
    ) -> list[SearchHit]:
        scored = []
        for passage_id, folded in _shortlist(data, query, candidates, max(SHORTLIST, 2 * limit)):
            result = score_text(query, data.texts[passage_id], folded)
            if result is not None:
                scored.append((result.key, -passage_id, passage_id, result))
        scored.sort(reverse=True)
        hits: list[SearchHit] = []
        taken: dict[int, list[tuple[int, int]]] = {}
        for _key, _order, passage_id, result in scored:
            slot = data.owners[passage_id]
            base = data.starts[passage_id]
            match_start, match_end = base + result.match_start, base + result.match_end
            spans = taken.setdefault(slot, [])
            if any(match_start < end and match_end > start for start, end in spans):
                continue
            spans.append((match_start, match_end))
            entry = data.articles[slot]
            assert entry is not None
            text = data.texts[passage_id]
            words = tuple(
                (base + start, base + end)
                for start, end in matched_word_spans(query, text)
            )
            hits.append(
                SearchHit(
                    path=entry.path,
                    title=entry.title,
                    article_id=entry.id,
                    score=result.score,
                    start=base,
                    end=data.ends[passage_id],
                    match_start=match_start,
                    match_end=match_end,
                    text=text,
                    words=words,
                )
            )
            if len(hits) >= limit:
                break
        return hits


def _shortlist(
    data: IndexData, query: PreparedQuery, candidates: list[int], keep: int
) -> list[tuple[int, str]]:
    """The ``keep`` candidates whose text aligns best with the query (C-speed rapidfuzz).

    Returns ``(passage id, folded text)`` pairs. Exact phrases always stay; a text shorter
    than the query is compared whole, so it cannot win by being contained in the query.
    """
    folded = [(passage_id, fold(data.texts[passage_id])) for passage_id in candidates]
    if len(folded) <= keep:
        return folded
    needle = query.folded
    phrase = query.phrase
    quick: list[tuple[float, int]] = []
    for position, (_passage_id, text) in enumerate(folded):
        if phrase is not None and phrase.search(text):
            score = 101.0
        elif len(text) >= len(needle):
            score = fuzz.partial_ratio(needle, text)
        else:
            score = fuzz.ratio(needle, text.strip())
        quick.append((score, -position))
    best = heapq.nlargest(keep, quick)
    return [folded[-position] for _score, position in sorted(best, key=_second_item)]


def _second_item(item: tuple[float, int]) -> int:
    return -item[1]


def _first(item: tuple[int, list[tuple[float, int]]]) -> int:
    return item[0]


def _second(item: tuple[int, float]) -> float:
    return item[1]


def _holds(posting: array[int], passage_id: int) -> bool:
    """True when the ascending ``posting`` holds ``passage_id``."""
    position = bisect_left(posting, passage_id)
    return position < len(posting) and posting[position] == passage_id


def _holders(postings: list[array[int]], group: list[tuple[float, int]]) -> set[int]:
    """Passages holding any term of ``group``."""
    holders: set[int] = set()
    for _weight, term_id in group:
        holders.update(postings[term_id])
    return holders


def _weight_table(
    postings: list[array[int]], size: int, group: list[tuple[float, int]], kept: list[int]
) -> dict[int, float]:
    """Passage -> best weight of the group's terms in it, for the passages in ``kept``.

    Built at C speed from the posting lists when they are short; for a word in very many
    passages, by binary search of ``kept`` in the posting lists of its best terms instead.
    """
    table: dict[int, float] = {}
    if size <= TABLE_LIMIT or size < 40 * len(kept):
        for weight, term_id in reversed(group):  # ascending weight: the best overwrites
            table.update(dict.fromkeys(postings[term_id], weight))
        return table
    for weight, term_id in reversed(group[:2]):
        posting = postings[term_id]
        end = len(posting)
        for passage_id in kept:
            position = bisect_left(posting, passage_id)
            if position < end and posting[position] == passage_id:
                table[passage_id] = weight
    return table


