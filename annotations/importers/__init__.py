"""Importers for other tools' highlights: Kindle, KOReader, Readwise, Hypothesis.

Each parser turns one export into :class:`~annotations.importers.record.ImportedHighlight`
records (bad records become one-line :class:`~annotations.importers.record.Rejected`
entries, never an abort); :mod:`annotations.importers.matching` finds their articles in the
library and turns them into annotations.
"""

from annotations.importers.record import ImportedHighlight, ParseResult, Rejected

__all__ = ["ImportedHighlight", "ParseResult", "Rejected"]
