"""The marked region postil owns inside an exported Markdown file, and the file's front matter.

An exported file looks like this::

    ---
    title: "Huawei Chairman Considering Signing a No-Spy Deal with the United States"
    author: "Susan Fourtané"
    postil-id: "4f3c2a1b9e8d7c6b"
    postil-path: "/home/me/articles/huawei-no-spy-deal.txt"
    ---

    <!-- postil:begin article=4f3c… exported=2024-05-01T09:30:00Z · postil rewrites … -->
    # Huawei Chairman ...
    ...
    <!-- postil:end -->

On re-export only the lines between the two markers are replaced, and only the ``postil-id`` /
``postil-path`` keys of the front matter are updated; everything else (text above or below the
markers, other front-matter keys such as Obsidian properties) is left exactly as the user wrote
it. A file without markers gets a fresh region appended at its end. Damaged markers (two begin
lines, an end before the begin) are an error: postil then refuses to touch the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

BEGIN_PREFIX = "<!-- postil:begin"
END_MARKER = "<!-- postil:end -->"
_NOTICE = (
    "postil rewrites everything from here to postil:end on every export;"
    " write your own notes above or below"
)
_BEGIN_LINE = re.compile(r"^<!--\s*postil:begin\b(?P<attrs>.*?)-->\s*$")
_END_LINE = re.compile(r"^<!--\s*postil:end\b.*-->\s*$")
_ARTICLE_ATTR = re.compile(r"\barticle=(?P<id>[A-Za-z0-9_-]+)")
_EXPORTED_ATTR = re.compile(r"\bexported=(?P<stamp>[0-9][0-9A-Za-z:+.-]*)")
_STAMP = re.compile(r"[0-9][0-9A-Za-z:+.-]*")
_FRONT_KEY = re.compile(r"^(?P<quote>[\"']?)(?P<key>[A-Za-z0-9_-]+)(?P=quote)\s*:(?P<value>.*)$")
#: Front-matter keys postil keeps up to date; all others belong to the user.
OWNED_KEYS = ("postil-id", "postil-path")


class RegionError(ValueError):
    """postil's markers in a file are damaged; the message says what was found."""


def begin_marker(article_id: str = "", exported_at: str = "") -> str:
    """The line that opens postil's region, naming the article and the export time."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "", article_id)
    attrs = f" article={safe_id}" if safe_id else ""
    if _STAMP.fullmatch(exported_at):
        attrs += f" exported={exported_at}"
    return f"{BEGIN_PREFIX}{attrs} · {_NOTICE} -->"


def region_block(body: str, article_id: str = "", exported_at: str = "") -> str:
    """The whole region: begin marker, ``body``, end marker (ends with a newline)."""
    marker = begin_marker(article_id, exported_at)
    return f"{marker}\n{body.rstrip(chr(10))}\n\n{END_MARKER}\n"


def current_region(text: str) -> tuple[str, str] | None:
    """Return ``(exported_at, body)`` of the region in ``text``, or ``None`` if there is none.

    ``exported_at`` is "" when the marker does not record it.
    """
    lines = text.split("\n")
    begins = [i for i, line in enumerate(lines) if _BEGIN_LINE.match(line)]
    ends = [i for i, line in enumerate(lines) if _END_LINE.match(line)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        return None
    match = _BEGIN_LINE.match(lines[begins[0]])
    stamp = _EXPORTED_ATTR.search(match.group("attrs")) if match else None
    body = "\n".join(lines[begins[0] + 1 : ends[0]]).strip("\n")
    return (stamp.group("stamp") if stamp else "", body)


def yaml_string(value: str) -> str:
    """Quote ``value`` as a YAML double-quoted scalar on one line."""
    encoded = json.dumps(value, ensure_ascii=False)
    for char in ("\u0085", "\u2028", "\u2029"):
        encoded = encoded.replace(char, f"\\u{ord(char):04x}")
    return encoded


def new_front_matter(fields: dict[str, str]) -> str:
    """Front matter for a new file: ``fields`` in order, empty values left out."""
    lines = [f"{key}: {yaml_string(value)}" for key, value in fields.items() if value]
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n"


@dataclass(frozen=True, slots=True)
class ExportFileInfo:
    """What identifies the article an existing export file belongs to."""

    article_id: str = ""
    article_path: str = ""
    has_region: bool = False


def _front_matter_span(lines: list[str]) -> tuple[int, int] | None:
    """Return ``(first, closing)`` line indexes of the front matter, or ``None``."""
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return (0, index)
    return None


def _parse_value(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return value if isinstance(value, str) else str(value)


def read_info(text: str) -> ExportFileInfo:
    """Find the article id and path an export file was written for (empty when none)."""
    lines = text.split("\n")
    values: dict[str, str] = {}
    span = _front_matter_span(lines)
    if span is not None:
        for line in lines[span[0] + 1 : span[1]]:
            match = _FRONT_KEY.match(line)
            if match and match.group("key") in OWNED_KEYS:
                values[match.group("key")] = _parse_value(match.group("value"))
    has_region = False
    for line in lines:
        begin = _BEGIN_LINE.match(line)
        if begin:
            has_region = True
            attr = _ARTICLE_ATTR.search(begin.group("attrs"))
            if attr and not values.get("postil-id"):
                values["postil-id"] = attr.group("id")
            break
    return ExportFileInfo(values.get("postil-id", ""), values.get("postil-path", ""), has_region)


def _update_front_matter(lines: list[str], owned: dict[str, str]) -> list[str]:
    """Update the owned keys in the front matter, line by line, but only when the result is
    YAML holding exactly the user's keys and values as before plus postil's: a key written
    in an unusual way (inside a multi-line string, say) leaves the front matter untouched."""
    edited = _edit_front_matter(lines, owned)
    if edited is lines:
        return lines
    span, new_span = _front_matter_span(lines), _front_matter_span(edited)
    if span is None or new_span is None:
        return lines
    before = _yaml_mapping(lines[span[0] + 1 : span[1]])
    after = _yaml_mapping(edited[new_span[0] + 1 : new_span[1]])
    if before is None or after is None:
        return lines
    expected = {key: value for key, value in before.items() if key not in owned}
    expected.update({key: value for key, value in owned.items() if value})
    if after != expected or _duplicate_keys(edited[new_span[0] + 1 : new_span[1]]):
        return lines
    return edited


def _yaml_mapping(lines: list[str]) -> dict[object, object] | None:
    """The front matter as a mapping, or None when it is not a YAML mapping."""
    try:
        value = yaml.safe_load("\n".join(lines))
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    if value is None:
        return {}
    return value if isinstance(value, dict) else None


def _duplicate_keys(lines: list[str]) -> bool:
    """True when a top-level key appears twice (PyYAML silently keeps the last one)."""
    keys = [match.group("key") for match in map(_FRONT_KEY.match, lines) if match]
    return len(keys) != len(set(keys))


def _edit_front_matter(lines: list[str], owned: dict[str, str]) -> list[str]:
    span = _front_matter_span(lines)
    if span is None:
        return lines
    first, closing = span
    body = lines[first + 1 : closing]
    result: list[str] = []
    done: set[str] = set()
    skipping = False
    for line in body:
        match = _FRONT_KEY.match(line)
        if match and match.group("key") in owned:
            key = match.group("key")
            skipping = True
            if key not in done and owned[key]:
                result.append(f"{key}: {yaml_string(owned[key])}")
            done.add(key)
            continue
        if skipping and line[:1] in (" ", "\t") and line.strip():
            continue  # a continuation of the value being replaced
        skipping = False
        result.append(line)
    for key, value in owned.items():
        if key not in done and value:
            result.append(f"{key}: {yaml_string(value)}")
    return [*lines[: first + 1], *result, *lines[closing:]]


def merge(
    existing: str,
    body: str,
    *,
    article_id: str = "",
    owned: dict[str, str],
    exported_at: str = "",
) -> str:
    """Put ``body`` into postil's region of ``existing`` and update the owned front-matter keys.

    Raises:
        RegionError: when the markers are damaged (several, or an end before a begin).
    """
    lines = existing.split("\n")
    begins = [i for i, line in enumerate(lines) if _BEGIN_LINE.match(line)]
    ends = [i for i, line in enumerate(lines) if _END_LINE.match(line)]
    region = region_block(body, article_id, exported_at).rstrip("\n").split("\n")
    if not begins and not ends:
        kept = existing.rstrip("\n")
        merged = (kept + "\n\n" if kept.strip() else "") + "\n".join(region) + "\n"
        return "\n".join(_update_front_matter(merged.split("\n"), owned))
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise RegionError(
            f"postil's markers are damaged ({len(begins)} begin, {len(ends)} end lines); "
            "fix or remove them and export again"
        )
    merged_lines = [*lines[: begins[0]], *region, *lines[ends[0] + 1 :]]
    return "\n".join(_update_front_matter(merged_lines, owned))
