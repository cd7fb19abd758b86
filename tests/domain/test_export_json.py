"""W3C Web Annotation JSON: structure, lossless round trip, validation of imported records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.export.w3c import (
    CONTEXT,
    FormatError,
    annotation_from_w3c,
    collection_to_w3c,
    dumps,
    merge_plan,
    parse_document,
    parse_text,
    path_from_source,
)
from annotations.model import (
    AnchorStatus,
    Annotation,
    Color,
    TextPositionSelector,
    TextQuoteSelector,
)
from tests.support.w3c_conformance import assert_w3c_conformant, problems_of, w3c_problems

EXPORTED_AT = "2024-05-01T09:30:00Z"


def annotation(number: int, **fields: Any) -> Annotation:
    """A fixed annotation (id, times) with ``fields`` changed."""
    base = Annotation(
        id=f"{number:08x}-aaaa-4bbb-8ccc-dddddddddddd",
        article_id="0f4f96b52035eb96",
        path="/library/huawei no-spy dealé.txt",
        quote=TextQuoteSelector("no-spy agreement", "to sign a ", " with the U.S."),
        position=TextPositionSelector(105 + number, 121 + number),
        color=Color.BLUE,
        note="A *note*\n\nwith two paragraphs",
        tags=("policy", "us-china"),
        created="2024-04-10T08:00:00Z",
        updated="2024-04-11T08:00:00Z",
    )
    return replace(base, **fields)


SAMPLES = [
    annotation(1),
    annotation(2, note="", tags=(), status=AnchorStatus.ORPHANED, color=Color.PINK),
    annotation(3, path="/other/article.md", article_id="", quote=TextQuoteSelector("x")),
]


def check_w3c_structure(document: dict[str, Any]) -> None:
    """Assert the shape the W3C Web Annotation Data Model requires of a collection."""
    assert_w3c_conformant(document)  # the W3C's own MUST assertions
    assert document["@context"] == CONTEXT
    assert document["type"] == "AnnotationCollection"
    assert document["id"].startswith("urn:uuid:")
    page = document["first"]
    assert page["type"] == "AnnotationPage"
    assert page["id"].startswith("urn:uuid:") and page["id"] != document["id"]
    assert document["total"] == len(page["items"])
    for item in page["items"]:
        assert item["type"] == "Annotation"
        assert item["id"].startswith("urn:uuid:")
        assert item["motivation"] == "highlighting"
        assert isinstance(item["created"], str) and isinstance(item["modified"], str)
        target = item["target"]
        assert target["source"].startswith("file:///")
        selectors = {s["type"]: s for s in target["selector"]}
        assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
        assert isinstance(selectors["TextQuoteSelector"]["exact"], str)
        position = selectors["TextPositionSelector"]
        assert 0 <= position["start"] <= position["end"]
        for body in item.get("body", []):
            assert body["type"] == "TextualBody"
            assert body["purpose"] in ("commenting", "tagging")
            assert isinstance(body["value"], str)


def test_collection_structure() -> None:
    document = collection_to_w3c(SAMPLES, exported_at=EXPORTED_AT)
    check_w3c_structure(document)
    items = document["first"]["items"]
    first = next(i for i in items if i["id"] == "urn:uuid:00000001-aaaa-4bbb-8ccc-dddddddddddd")
    assert first["body"] == [
        {
            "type": "TextualBody",
            "value": "A *note*\n\nwith two paragraphs",
            "format": "text/markdown",
            "purpose": "commenting",
        },
        {"type": "TextualBody", "value": "policy", "purpose": "tagging"},
        {"type": "TextualBody", "value": "us-china", "purpose": "tagging"},
    ]
    assert first["target"]["source"] == "file:///library/huawei%20no-spy%20deal%C3%A9.txt"
    assert first["postil:color"] == "blue" and first["postil:status"] == "anchored"
    assert path_from_source(first["target"]["source"]) == "/library/huawei no-spy dealé.txt"
    second = next(i for i in items if "02-aaaa" in i["id"])
    assert "body" not in second and second["postil:status"] == "orphaned"


def test_round_trip_is_lossless() -> None:
    text = dumps(SAMPLES, exported_at=EXPORTED_AT)
    parsed = parse_text(text)
    assert parsed.problems == []
    by_id = {a.id: a for a in parsed.annotations}
    assert {a.id: a.to_record() for a in SAMPLES} == {k: v.to_record() for k, v in by_id.items()}
    assert dumps(parsed.annotations, exported_at=EXPORTED_AT) == text


def test_output_order_is_deterministic() -> None:
    assert dumps(SAMPLES, exported_at=EXPORTED_AT) == dumps(
        list(reversed(SAMPLES)), exported_at=EXPORTED_AT
    )


def test_empty_export_is_a_valid_collection() -> None:
    document = json.loads(dumps([], exported_at=EXPORTED_AT))
    assert document["total"] == 0 and document["first"]["items"] == []
    assert parse_document(document).annotations == []


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    exact=_TEXT.filter(bool),
    prefix=_TEXT,
    note=_TEXT,
    tags=st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True), max_size=4),
    start=st.integers(0, 10**9),
    length=st.integers(0, 1000),
    color=st.sampled_from(list(Color)),
    status=st.sampled_from(list(AnchorStatus)),
)
def test_property_round_trip(
    exact: str,
    prefix: str,
    note: str,
    tags: list[str],
    start: int,
    length: int,
    color: Color,
    status: AnchorStatus,
) -> None:
    original = annotation(
        7,
        quote=TextQuoteSelector(exact, prefix, note[:5]),
        position=TextPositionSelector(start, start + length),
        note=note,
        tags=tuple(dict.fromkeys(tags)),
        color=color,
        status=status,
    )
    parsed = parse_text(dumps([original], exported_at=EXPORTED_AT))
    assert parsed.problems == []
    assert [a.to_record() for a in parsed.annotations] == [original.to_record()]


# --- import validation ------------------------------------------------------------------------


def items_with(*bad: Any) -> dict[str, Any]:
    document = collection_to_w3c([SAMPLES[0]], exported_at=EXPORTED_AT)
    document["first"]["items"].extend(bad)
    return document


def good_item(**changes: Any) -> dict[str, Any]:
    item = collection_to_w3c([SAMPLES[1]], exported_at=EXPORTED_AT)["first"]["items"][0]
    item.update(changes)
    return item


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("just a string", "not a JSON object"),
        ({"type": "Note", "id": "x"}, "'type' is not Annotation"),
        (good_item(id=""), "missing 'id'"),
        (good_item(target=None), "no 'target'"),
        (good_item(target={"source": "file:///a"}), "no target with a TextQuoteSelector"),
        (
            good_item(target={"selector": {"type": "TextQuoteSelector", "exact": "x"}}),
            "'target.source' must be a non-empty string",
        ),
        (
            good_item(target={"source": "file:///a", "selector": {"type": "TextQuoteSelector"}}),
            "'exact' must be a non-empty string",
        ),
        (
            good_item(
                target={
                    "source": "file:///a",
                    "selector": [
                        {"type": "TextQuoteSelector", "exact": "x"},
                        {"type": "TextPositionSelector", "start": 5, "end": 2},
                    ],
                }
            ),
            "0 <= start <= end",
        ),
        (good_item(**{"postil:color": "red"}), "'postil:color' 'red' is not one of"),
        (good_item(**{"postil:status": "lost"}), "'postil:status' 'lost' is not one of"),
        (good_item(created="yesterday"), "'created' is not an ISO 8601 date-time"),
        (good_item(body={"type": "TextualBody", "value": 3}), "'value' must be a string"),
    ],
)
def test_bad_records_are_reported_one_line_each(item: Any, message: str) -> None:
    parsed = parse_document(items_with(item))
    assert [a.id for a in parsed.annotations] == [SAMPLES[0].id]
    assert len(parsed.problems) == 1
    line = str(parsed.problems[0])
    assert line.startswith("record 2") and message in line and "\n" not in line


def test_duplicate_ids_in_one_file_are_reported() -> None:
    again = collection_to_w3c([SAMPLES[0]], exported_at=EXPORTED_AT)["first"]["items"][0]
    document = items_with(again)
    parsed = parse_document(document)
    assert len(parsed.annotations) == 1
    assert "duplicate id" in str(parsed.problems[0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"type": "Person"}', "not W3C annotation JSON"),
        ('"a string"', "expected a JSON object"),
        ('{"type": "AnnotationCollection", "first": "https://x/page1"}', "no embedded 'first'"),
        ('{"type": "AnnotationPage"}', "no 'items' list"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ],
)
def test_whole_document_errors(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message.replace("(", r"\(")):
        parse_text(text)


def test_other_accepted_shapes() -> None:
    item = collection_to_w3c([SAMPLES[0]], exported_at=EXPORTED_AT)["first"]["items"][0]
    for document in (
        item,
        [item],
        {"type": "AnnotationPage", "items": [item]},
        {"type": "AnnotationCollection", "items": [item]},
    ):
        assert [a.id for a in parse_document(document).annotations] == [SAMPLES[0].id]


def test_foreign_annotation_without_postil_fields() -> None:
    """A minimal annotation from another tool: web source, no position, tags and a note."""
    item = {
        "@context": CONTEXT,
        "id": "https://hypothes.is/a/abc123",
        "type": "Annotation",
        "body": [
            {"type": "TextualBody", "value": "Interesting", "purpose": "commenting"},
            {"type": "TextualBody", "value": "Big Tech", "purpose": "tagging"},
            {"type": "SpecificResource", "source": "https://example.org/x"},
        ],
        "target": {
            "source": "https://example.org/article",
            "selector": {"type": "TextQuoteSelector", "exact": "a quote"},
        },
    }
    imported = annotation_from_w3c(item)
    assert imported.id == "https://hypothes.is/a/abc123"
    assert imported.path == "https://example.org/article"
    assert imported.note == "Interesting" and imported.tags == ("big-tech",)
    assert imported.status is AnchorStatus.ORPHANED and imported.color is Color.YELLOW
    again = json.loads(dumps([imported], exported_at=EXPORTED_AT))["first"]["items"][0]
    assert again["id"] == "https://hypothes.is/a/abc123"


def test_merge_plan_keeps_newer_local_edits() -> None:
    stored = {
        SAMPLES[0].id: SAMPLES[0],
        SAMPLES[1].id: replace(SAMPLES[1], note="edited later", updated="2030-01-01T00:00:00Z"),
        SAMPLES[2].id: replace(SAMPLES[2], updated="2000-01-01T00:00:00Z"),
    }
    extra = annotation(9)
    new, updated, unchanged, kept = merge_plan([*SAMPLES, extra], stored)
    assert [a.id for a in new] == [extra.id]
    assert [a.id for a in updated] == [SAMPLES[2].id]
    assert (unchanged, kept) == (1, 1)


def test_file_uri_paths_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "dir with spaces" / "ünï #1?.txt"
    assert path_from_source(path.as_uri()) == str(path)


def test_the_embedded_page_has_an_id_as_the_w3c_page_musts_require() -> None:
    document = collection_to_w3c(SAMPLES, exported_at=EXPORTED_AT)
    assert w3c_problems(document) == []
    without = {**document, "first": {k: v for k, v in document["first"].items() if k != "id"}}
    assert any("Annotation Page is missing id" in m for m in w3c_problems(without))


def test_the_w3c_checks_catch_what_they_should() -> None:
    document = collection_to_w3c(SAMPLES, exported_at=EXPORTED_AT)
    item = {"@context": document["@context"], **document["first"]["items"][0]}
    assert problems_of(item, "annotation") == []
    assert problems_of({k: v for k, v in item.items() if k != "id"}, "annotation")
    assert problems_of({k: v for k, v in item.items() if k != "target"}, "annotation")
    assert problems_of({**item, "@context": "http://example.org/ctx"}, "annotation")
    assert problems_of({**item, "created": "last tuesday"}, "annotation")
    assert problems_of({**item, "id": "not a uri"}, "annotation")
    assert problems_of({**document, "total": -1}, "collection")
    assert problems_of({**document, "type": "Collection"}, "collection")


def test_extension_fields_have_a_namespace_in_the_context() -> None:
    document = collection_to_w3c(SAMPLES, exported_at=EXPORTED_AT)
    context = document["@context"]
    assert context[0] == "http://www.w3.org/ns/anno.jsonld"
    namespaces = {k: v for part in context[1:] if isinstance(part, dict) for k, v in part.items()}
    keys = {key for item in document["first"]["items"] for key in item if ":" in key}
    assert keys == {"postil:color", "postil:articleId", "postil:status", "postil:path"}
    assert {key.split(":")[0] for key in keys} <= set(namespaces)
    assert all(value.endswith((":", "/", "#")) for value in namespaces.values())


def test_exports_from_before_the_namespace_still_import() -> None:
    document = collection_to_w3c(SAMPLES, exported_at=EXPORTED_AT)
    old = {**document, "@context": "http://www.w3.org/ns/anno.jsonld"}
    old["first"] = {k: v for k, v in document["first"].items() if k != "id"}
    assert [a.to_record() for a in parse_document(old).annotations] == [
        a.to_record() for a in parse_document(document).annotations
    ]
    # A JSON-LD tool that expanded the extension keys: the same annotation.
    item = dict(document["first"]["items"][1])
    expanded = {("urn:postil:" + k[7:] if k.startswith("postil:") else k): v
                for k, v in item.items()}
    assert annotation_from_w3c(expanded).to_record() == annotation_from_w3c(item).to_record()
    assert annotation_from_w3c(expanded).color is Color.PINK
