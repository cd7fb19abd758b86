"""The index's vocabulary: term ids, and fast typo-tolerant lookup of similar terms.

Fuzzy lookup compares a query word (rapidfuzz OSA distance: substitution, insertion, deletion
and adjacent transposition each cost 1) only against terms of a similar length that share its
first *or* its last letter: one or two edits can change one end of a word but rarely both, and
the buckets are small, so expanding a word costs a fraction of a millisecond even with hundreds
of thousands of terms.
"""

from __future__ import annotations

import bisect

from rapidfuzz import process
from rapidfuzz.distance import OSA

from reader.search.scoring import max_typos

#: At most this many terms are taken for a prefix (the word being typed).
MAX_PREFIX_TERMS = 64


class Vocabulary:
    """Terms with dense integer ids, bucketed for fuzzy lookup."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        self._buckets: dict[tuple[int, str, int], tuple[list[str], list[int]]] = {}
        self._sorted: list[str] | None = None
        self._sorted_count = 0

    def __len__(self) -> int:
        return len(self.terms)

    def add(self, term: str) -> int:
        """Return the id of ``term``, adding it if new."""
        term_id = self.ids.get(term)
        if term_id is not None:
            return term_id
        term_id = len(self.terms)
        self.ids[term] = term_id
        self.terms.append(term)
        if len(term) > 2:
            for key in ((len(term), term[0], 0), (len(term), term[-1], 1)):
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = ([], [])
                bucket[0].append(term)
                bucket[1].append(term_id)
        return term_id

    def similar(self, word: str) -> list[tuple[int, int]]:
        """Ids of terms within ``max_typos(word)`` edits of ``word``, with their distance."""
        limit = max_typos(word)
        found: dict[int, int] = {}
        exact = self.ids.get(word)
        if exact is not None:
            found[exact] = 0
        if not limit:
            return list(found.items())
        for length in range(max(3, len(word) - limit), len(word) + limit + 1):
            for key in ((length, word[0], 0), (length, word[-1], 1)):
                bucket = self._buckets.get(key)
                if bucket is None:
                    continue
                terms, ids = bucket
                for _term, distance, index in process.extract(
                    word, terms, scorer=OSA.distance, score_cutoff=limit, limit=None
                ):
                    term_id = ids[index]
                    if distance < found.get(term_id, limit + 1):
                        found[term_id] = int(distance)
        return list(found.items())

    def splits(self, word: str) -> list[int]:
        """Ids of the two words a typo ran together ("thecat", "the?cat" -> the, cat).

        Tried only for unknown words: every cut where one side is a known term and the other
        side is a known term or (four letters or more) within typo distance of one.
        """
        if len(word) < 5:
            return []
        found: list[int] = []
        fuzzy_tries = 0
        for cut in range(2, len(word) - 1):
            for gap in (0, 1):
                left, right = word[:cut], word[cut + gap :]
                if len(right) < 2:
                    continue
                left_id, right_id = self.ids.get(left), self.ids.get(right)
                if left_id is not None and right_id is not None:
                    found += [left_id, right_id]
                    continue
                known = left_id if left_id is not None else right_id
                other = right if left_id is not None else left
                if known is None or len(other) < 4 or fuzzy_tries >= 4:
                    continue
                fuzzy_tries += 1
                near = [term_id for term_id, distance in self.similar(other) if distance]
                if near:
                    found += [known, *near[:4]]
        return list(dict.fromkeys(found))

    def with_prefix(self, prefix: str) -> list[int]:
        """Ids of up to :data:`MAX_PREFIX_TERMS` terms that extend ``prefix`` (shortest first).

        Uses a sorted copy of the vocabulary; while the index grows (being built as the user
        searches) the copy is re-sorted only after it has fallen well behind, and the terms
        added since are scanned directly.
        """
        behind = len(self.terms) - self._sorted_count
        if self._sorted is None or behind > max(2_000, self._sorted_count // 20):
            self._sorted = sorted(self.terms)
            self._sorted_count = len(self.terms)
            behind = 0
        ordered = self._sorted
        first = bisect.bisect_right(ordered, prefix)
        found: list[str] = []
        for index in range(first, len(ordered)):
            term = ordered[index]
            if not term.startswith(prefix) or len(found) >= MAX_PREFIX_TERMS * 4:
                break
            found.append(term)
        if behind:
            found += [t for t in self.terms[self._sorted_count :] if t.startswith(prefix)]
            found = [t for t in found if t != prefix]
        found.sort(key=len)
        return [self.ids[term] for term in found[:MAX_PREFIX_TERMS]]
