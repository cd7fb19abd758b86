"""The in-memory form of the library search index (what :mod:`reader.search.storage` saves).

Passages are numbered densely; per passage the index keeps its owner article slot, its span
and its text. The inverted index maps each term id to the ascending passage ids containing it.
Removing an article only marks its passages dead; :meth:`IndexData.compacted` rebuilds the
structures without them when too many are dead.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from reader.search.text import tokens
from reader.search.vocabulary import Vocabulary


@dataclass(slots=True)
class IndexedArticle:
    """What the index remembers about one article.

    Attributes:
        path: Absolute path (the key).
        id: Content fingerprint when indexed.
        title: Display title.
        size: File size in bytes when indexed (-1 when unknown).
        mtime_ns: File modification time in ns when indexed (-1 when unknown).
        slot: Index in :attr:`IndexData.articles`.
        first: Id of its first passage.
        count: Number of its passages (consecutive ids).
    """

    path: str
    id: str
    title: str
    size: int
    mtime_ns: int
    slot: int
    first: int
    count: int


@dataclass(slots=True)
class IndexData:
    """Every structure of the index; mutated only under the owning index's lock."""

    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    postings: list[array[int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    owners: array[int] = field(default_factory=lambda: array("I"))
    starts: array[int] = field(default_factory=lambda: array("I"))
    ends: array[int] = field(default_factory=lambda: array("I"))
    alive: bytearray = field(default_factory=bytearray)
    articles: list[IndexedArticle | None] = field(default_factory=list)
    by_path: dict[str, IndexedArticle] = field(default_factory=dict)
    dead: int = 0

    @property
    def needs_compaction(self) -> bool:
        """True when removed articles or passages leave holes (before writing, say)."""
        return bool(self.dead) or len(self.by_path) != len(self.articles)

    @property
    def live_passages(self) -> int:
        """Passages not removed."""
        return len(self.texts) - self.dead

    def add_passage(self, slot: int, start: int, end: int, text: str) -> None:
        """Append one passage of article ``slot`` and index its words."""
        passage_id = len(self.texts)
        self.texts.append(text)
        self.owners.append(slot)
        self.starts.append(start)
        self.ends.append(end)
        self.alive.append(1)
        vocabulary = self.vocabulary
        postings = self.postings
        for word in dict.fromkeys(tokens(text)):
            term_id = vocabulary.ids.get(word)
            if term_id is None:
                term_id = vocabulary.add(word)
                postings.append(array("I"))
            postings[term_id].append(passage_id)

    def add_article(
        self, entry: IndexedArticle, passages: list[tuple[int, int, str]]
    ) -> IndexedArticle:
        """Add an article (replacing one at the same path) with its ``(start, end, text)``."""
        self.remove(entry.path)
        entry.slot = len(self.articles)
        entry.first = len(self.texts)
        entry.count = len(passages)
        self.articles.append(entry)
        self.by_path[entry.path] = entry
        for start, end, text in passages:
            self.add_passage(entry.slot, start, end, text)
        return entry

    def remove(self, path: str) -> bool:
        """Forget the article at ``path``; returns whether it was indexed."""
        entry = self.by_path.pop(path, None)
        if entry is None:
            return False
        self.articles[entry.slot] = None
        for passage_id in range(entry.first, entry.first + entry.count):
            if self.alive[passage_id]:
                self.alive[passage_id] = 0
                self.texts[passage_id] = ""
                self.dead += 1
        return True

    def compacted(self) -> IndexData:
        """A copy without dead passages or removed articles (re-tokenises the live text)."""
        fresh = IndexData()
        for entry in self.articles:
            if entry is None:
                continue
            passages = [
                (self.starts[i], self.ends[i], self.texts[i])
                for i in range(entry.first, entry.first + entry.count)
            ]
            copy = IndexedArticle(
                entry.path, entry.id, entry.title, entry.size, entry.mtime_ns, 0, 0, 0
            )
            fresh.add_article(copy, passages)
        return fresh
