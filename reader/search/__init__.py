"""Typo-tolerant passage search over one article, the whole library, and annotations.

Public API:

* :class:`SearchIndex` — the library index (cached on disk, updatable in a worker while
  other threads search it);
* :func:`library_index` — open the index for a library source;
* :func:`search_article` — search one loaded article (an in-memory index, built once per
  article and kept in a small cache);
* :func:`search_annotations` — rank annotations by their quote, note and tags;
* :class:`SearchHit` — one ranked passage with its match span and emphasised words.
"""

from reader.search.annotation_search import AnnotationHit, quote_only_hits, search_annotations
from reader.search.article import ArticleSearch, article_search, search_article
from reader.search.hit import SearchHit
from reader.search.index import SearchIndex
from reader.search.library import library_index
from reader.search.scoring import MAX_QUERY_CHARS

__all__ = [
    "AnnotationHit",
    "ArticleSearch",
    "MAX_QUERY_CHARS",
    "SearchHit",
    "SearchIndex",
    "article_search",
    "library_index",
    "quote_only_hits",
    "search_annotations",
    "search_article",
]
