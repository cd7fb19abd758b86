"""The Markdown escaper's fast paths give exactly what its rules say (issue 11 item 12).

``escape_text`` skips text with nothing to escape and collapses whitespace without a regular
expression; these properties hold it to the plain definition: whitespace runs become one space
(also at the edges), then every special character or sequence is backslash-escaped.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from annotations.markdown_escape import escape_run, escape_text

_REFERENCE_SPECIAL = re.compile(
    r"[\\`*_\[\]#|~$^\r]|={2,}|%{2,}|&(?=#?[A-Za-z0-9]+;)|<(?=[A-Za-z/!?])"
)


def _reference_escape(text: str) -> str:
    def escaped(match: re.Match[str]) -> str:
        found = match.group()
        return f"&#{ord(found)};" if found == "\r" else "".join("\\" + c for c in found)

    return _REFERENCE_SPECIAL.sub(escaped, text)


_TEXT = st.text(alphabet=st.sampled_from(list("\\`*_[]#|~$^\r=%&<>;/!?ab1 \t\n\u00a0\u2028")))


@given(_TEXT)
def test_escape_text_is_collapse_then_escape(text: str) -> None:
    assert escape_text(text) == _reference_escape(re.sub(r"\s+", " ", text))


@given(_TEXT)
def test_escape_run_escapes_every_special(text: str) -> None:
    assert escape_run(text, line_start=False) == _reference_escape(text)


def test_plain_prose_is_unchanged() -> None:
    prose = "alpha  beta\n gamma. "
    assert escape_text(prose) == "alpha beta gamma. "
    assert escape_text("") == "" and escape_text(" \n ") == " "
