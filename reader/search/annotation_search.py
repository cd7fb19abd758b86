"""Search annotations by their quote, note and tags (the annotations panel, ``postil notes``).

A query starting with ``#`` searches tags only (``#phil`` finds ``philosophy`` as you type).
Otherwise each annotation scores the best of its quote, its note and its tags, ranked like
passages (exact phrase > every word with typos > partial).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotations.model import Annotation
from reader.search.hit import SearchHit
from reader.search.scoring import (
    PreparedQuery,
    TextScore,
    max_typos,
    prepare_query,
    score_text,
    word_matches,
)


@dataclass(frozen=True, slots=True)
class AnnotationHit:
    """One matching annotation.

    Attributes:
        annotation: The annotation.
        score: 0-100, same scale as :class:`~reader.search.SearchHit`.
        field: Which part matched best: ``"quote"``, ``"note"`` or ``"tag"``.
        match_start: Start of the matched span in that field's text (for a tag: 0).
        match_end: End of the matched span (for a tag: its length).
        tag: The matching tag when ``field == "tag"``, else "".
    """

    annotation: Annotation
    score: float
    field: str
    match_start: int
    match_end: int
    tag: str = ""


def search_annotations(
    annotations: Sequence[Annotation], query: str, limit: int = 50
) -> list[AnnotationHit]:
    """Rank ``annotations`` against ``query``; best first, at most ``limit``."""
    text = query.strip()
    tags_only = text.startswith("#")
    prepared = prepare_query(text.lstrip("#") if tags_only else text)
    if prepared.empty or limit <= 0:
        return []
    hits: list[tuple[tuple[int, float], int, AnnotationHit]] = []
    for order, annotation in enumerate(annotations):
        best = _best_tag(annotation, prepared)
        if not tags_only:
            for field, body in (("quote", annotation.quote.exact), ("note", annotation.note)):
                scored = score_text(prepared, body)
                if scored is not None and (best is None or scored.key > best[0].key):
                    best = (scored, field, "")
        if best is None:
            continue
        scored, field, tag = best
        hit = AnnotationHit(
            annotation, scored.score, field, scored.match_start, scored.match_end, tag
        )
        hits.append((scored.key, -order, hit))
    hits.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [hit for _key, _order, hit in hits[:limit]]


def _best_tag(
    annotation: Annotation, query: PreparedQuery
) -> tuple[TextScore, str, str] | None:
    """Score the annotation's tags: exact 100, prefix 90, typo 80 (one-word queries)."""
    wanted = "-".join(query.words)
    best: tuple[TextScore, str, str] | None = None
    for tag in annotation.tags:
        if tag == wanted or tag.replace("-", "") == wanted.replace("-", ""):
            score = 100.0
        elif tag.startswith(wanted):
            score = 90.0
        elif max_typos(wanted) and word_matches(wanted, tag):
            score = 80.0
        else:
            continue
        tier = 2 if score == 100.0 else 1
        candidate = TextScore(tier, score, 0, len(tag))
        if best is None or candidate.key > best[0].key:
            best = (candidate, "tag", tag)
    return best


def quote_only_hits(
    annotations: Sequence[Annotation], query: str, limit: int = 50
) -> list[SearchHit]:
    """Library search results among the quote-only highlights (imported, their book not in
    the library): their quote, note or tags ranked like passages, best first.

    Each hit has no ``path``; its title names the book (and author), its text is the quote
    (or the note, when that matched better) and ``annotation_id`` says which highlight.
    """
    candidates = [a for a in annotations if a.quote_only and a.source is not None]
    results: list[SearchHit] = []
    for hit in search_annotations(candidates, query, limit):
        annotation = hit.annotation
        source = annotation.source
        assert source is not None
        title = source.title or source.url or "(untitled)"
        if source.author:
            title += f" — {source.author}"
        text = annotation.note if hit.field == "note" else annotation.quote.exact
        start, end = (hit.match_start, hit.match_end) if hit.field != "tag" else (0, 0)
        results.append(
            SearchHit(
                path="", title=title, article_id="", score=hit.score, start=0,
                end=len(text), match_start=start, match_end=end, text=text,
                words=((start, end),) if end > start else (), annotation_id=annotation.id,
            )
        )
    return results
