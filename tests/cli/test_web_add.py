"""`postil add URL` and the fetcher, against a local HTTP server (no test touches the internet)."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from reader import __version__
from reader.cli import main
from reader.formats.frontmatter import split_front_matter
from reader.loading import load_article
from reader.web.fetch import Fetcher, FetchError, FetchOptions, check_url
from tests.support.web_server import LocalServer, article_html, endless, page, redirect

PARAGRAPHS = [
    "The tide comes in twice a day, and the tables tell you when, to the minute, for a year.",
    "Fishermen trust them more than the forecast, and with reason: the moon keeps its word.",
    "A harbour master reads them aloud each morning at six, before the boats go out to sea.",
    "Nobody remembers a year when the printed times were wrong by more than a few minutes.",
]
PAGE = article_html("Tide Tables", [*PARAGRAPHS, 'See <a href="/more/notes.html">the notes</a>.'])


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "library"


def add(library: Path, *args: str) -> int:
    return main(["--library", str(library), "add", *args])


def stored(library: Path) -> list[Path]:
    return sorted(library.iterdir()) if library.exists() else []


def front_of(path: Path) -> dict[str, object]:
    front, _body = split_front_matter(path.read_text(encoding="utf-8"))
    assert front is not None and front.error is None
    return front.raw


def test_add_a_page(web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/tides"] = page(PAGE)
    assert add(library, web.url("/tides")) == 0
    [path] = stored(library)
    assert path.name == "tide-tables.md"
    raw = front_of(path)
    assert raw["title"] == "Tide Tables"
    assert raw["author"] == "Ann Lee"
    assert raw["site"] == "Tide Times"
    assert str(raw["date"]).startswith("2026-11-02")
    assert raw["source"] == web.url("/tides")
    assert isinstance(raw["fetched"], str) and raw["fetched"].endswith("Z")
    text = path.read_text(encoding="utf-8")
    assert PARAGRAPHS[0] in text and "Home" not in text.split("---", 2)[2]
    assert f"]({web.url('/more/notes.html')})" in text  # relative link made absolute
    article = load_article(path)
    assert article.meta.url == web.url("/tides") and article.meta.title == "Tide Tables"
    assert "added “Tide Tables”" in capsys.readouterr().out
    _path, headers = web.requests[0]
    assert headers["user-agent"].startswith(f"postil/{__version__} (")
    assert "gzip" in headers["accept-encoding"]


def test_redirects_are_followed_and_the_final_url_is_the_source(
    web: LocalServer, library: Path
) -> None:
    web.routes["/old"] = redirect("/older", 301)
    web.routes["/older"] = redirect(web.url("/tides#section"), 308)
    web.routes["/tides"] = page(PAGE)
    assert add(library, web.url("/old")) == 0
    [path] = stored(library)
    assert front_of(path)["source"] == web.url("/tides")


def test_redirect_loop_and_too_many_redirects(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web.routes["/a"] = redirect("/b")
    web.routes["/b"] = redirect("/a")
    for hop in range(12):
        web.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}")
    assert add(library, web.url("/a"), web.url("/r0")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"postil: cannot add {web.url('/a')}: redirect loop (back to {web.url('/a')})"
    assert err[1] == f"postil: cannot add {web.url('/r0')}: more than 10 redirects"
    assert stored(library) == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "HTTP 404 Not Found (no such page)"), (410, "HTTP 410 Gone (the page was removed)"),
     (500, "HTTP 500 Internal Server Error (a server error; try again later)")],
)
def test_http_errors_are_one_line(web: LocalServer, library: Path, status: int, reason: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/x"] = page("<p>oops</p>", status=status)
    assert add(library, web.url("/x")) == 1
    assert capsys.readouterr().err == f"postil: cannot add {web.url('/x')}: {reason}\n"
    assert stored(library) == []


def test_a_slow_server_times_out(web: LocalServer, library: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/slow"] = page(PAGE, delay=2.0)
    assert add(library, "--timeout", "0.3", web.url("/slow")) == 1
    err = capsys.readouterr().err
    assert err == (f"postil: cannot add {web.url('/slow')}: timed out: no answer for 0.3 s "
                   "(see --timeout)\n")
    assert stored(library) == []


def test_an_endless_body_hits_the_size_cap(web: LocalServer, library: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/endless"] = endless()
    assert add(library, "--max-size", "0.5", web.url("/endless")) == 1
    err = capsys.readouterr().err
    assert err == (f"postil: cannot add {web.url('/endless')}: too large (more than 0.5 MB, "
                   "see --max-size)\n")
    assert stored(library) == []


def test_declared_length_over_the_cap_is_refused_before_download(web: LocalServer) -> None:
    web.routes["/big"] = page(b"<p>" + b"x" * 300_000 + b"</p>")
    with Fetcher(FetchOptions(max_bytes=100_000)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(web.url("/big"))
    assert "too large (0.29 MB; the limit is 0.095 MB" in str(caught.value)


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/pdf", b"%PDF-1.7 ...", "not an article: the server sent application/pdf"),
        ("image/png", b"\x89PNG\r\n\x1a\n...", "not an article: the server sent image/png"),
        ("application/octet-stream", b"<p>hi</p>",
         "not an article: the server sent application/octet-stream"),
        ("text/html", b"%PDF-1.4 binary", "not an article: sent as text/html, but it is "
         "application/pdf (a PDF document)"),
        (None, b"\x89PNG\r\n\x1a\n\x00\x00", "not an article: it is image/png"),
    ],
)
def test_wrong_content_types_are_refused(web: LocalServer, library: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         content_type: str | None, body: bytes,
                                         reason: str) -> None:
    web.routes["/file"] = page(body, content_type=content_type)
    assert add(library, web.url("/file")) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"postil: cannot add {web.url('/file')}: {reason}")
    assert err.count("\n") == 1
    assert stored(library) == []


def test_missing_content_type_is_sniffed(web: LocalServer, library: Path) -> None:
    web.routes["/untyped"] = page(PAGE, content_type=None)
    assert add(library, web.url("/untyped")) == 0
    assert [p.name for p in stored(library)] == ["tide-tables.md"]


def test_gzip_is_decoded(web: LocalServer, library: Path) -> None:
    web.routes["/gz"] = page(PAGE, compress=True)
    assert add(library, web.url("/gz")) == 0
    [path] = stored(library)
    assert PARAGRAPHS[1] in path.read_text(encoding="utf-8")


def test_charset_given_only_in_the_header(web: LocalServer, library: Path) -> None:
    text = article_html("Café Crème à Paris", [p + " Déjà vu, garçon." for p in PARAGRAPHS])
    web.routes["/latin"] = page(text.encode("iso-8859-1"),
                                content_type="text/html; charset=ISO-8859-1")
    web.routes["/koi8"] = page(
        article_html("Привет", ["Съешь же ещё этих мягких французских булок, да выпей чаю."
                                * 3] * 4).encode("koi8-r"),
        content_type="text/html; charset=koi8-r")
    assert add(library, web.url("/latin"), web.url("/koi8")) == 0
    texts = {p.name: p.read_text(encoding="utf-8") for p in stored(library)}
    assert "Déjà vu, garçon." in texts["cafe-creme-a-paris.md"]
    assert "французских булок" in texts["привет.md"]


def test_charset_from_meta(web: LocalServer, library: Path) -> None:
    text = article_html("Naïve Tide", [p + " Ça va." for p in PARAGRAPHS],
                        extra_head='<meta charset="windows-1252">')
    web.routes["/meta"] = page(text.encode("cp1252"), content_type="text/html")
    assert add(library, web.url("/meta")) == 0
    [path] = stored(library)
    assert "Ça va." in path.read_text(encoding="utf-8")


def test_plain_text_and_markdown_are_stored_as_they_are(web: LocalServer, library: Path) -> None:
    plain = "Notes on Tides\n\nThe *tide* comes in.\n\n1986. A year of high water.\n"
    markdown = "---\ntitle: Moon Notes\ntags: [moon]\n---\n\n# Moon Notes\n\nThe **moon** pulls.\n"
    web.routes["/notes.txt"] = page(plain, content_type="text/plain; charset=utf-8")
    web.routes["/moon"] = page(markdown, content_type="text/markdown")
    assert add(library, web.url("/notes.txt"), web.url("/moon")) == 0
    txt = library / "notes-on-tides.txt"
    md = library / "moon-notes.md"
    assert txt.read_text(encoding="utf-8").endswith("---\n\n" + plain)
    txt_article = load_article(txt)
    assert txt_article.meta.url == web.url("/notes.txt")
    assert "The *tide* comes in." in txt_article.text  # plain text: no Markdown emphasis
    raw = front_of(md)
    assert raw["title"] == "Moon Notes" and raw["tags"] == ["moon"]
    assert raw["source"] == web.url("/moon")
    assert md.read_text(encoding="utf-8").endswith("# Moon Notes\n\nThe **moon** pulls.\n")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "file: addresses are not fetched; give the file's path instead"),
        ("data:text/html,<p>hi</p>", "data: addresses are not fetched (only http:// and https://)"),
        ("javascript:alert(1)", "javascript: addresses are not fetched (only http:// and https://)"),
        ("ftp://example.com/a.txt", "ftp: addresses are not fetched (only http:// and https://)"),
    ],
)
def test_other_schemes_are_refused(library: Path, capsys: pytest.CaptureFixture[str], url: str,
                                   reason: str) -> None:
    assert add(library, url) == 1
    err = capsys.readouterr().err
    assert err.strip().endswith(reason)
    assert err.count("\n") == 1
    assert stored(library) == []


def test_credentials_are_sent_but_never_stored_or_printed(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web.routes["/private"] = page(PAGE)
    url = web.url("/private").replace("http://", "http://ann:s3cret@")
    assert add(library, url) == 0
    [path] = stored(library)
    assert front_of(path)["source"] == web.url("/private")
    assert "s3cret" not in path.read_text(encoding="utf-8")
    assert "s3cret" not in capsys.readouterr().out
    assert web.requests[0][1]["authorization"] == "Basic YW5uOnMzY3JldA=="


def test_duplicates_by_address_and_by_text(web: LocalServer, library: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/tides"] = page(PAGE)
    web.routes["/mirror"] = page(PAGE)
    assert add(library, web.url("/tides")) == 0
    capsys.readouterr()
    assert add(library, web.url("/tides"), web.url("/mirror")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("(same address; --refresh updates it)")
    assert out[1].endswith("(same text under another address)")
    assert web.hits("/tides") == 1  # the known address was not fetched again
    assert len(stored(library)) == 1


def test_no_main_text_keeps_the_full_text_with_the_notice(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web.routes["/guests"] = page(
        "<html><head><title>Guest book</title></head><body><div id=comments class=comments>"
        + "".join(f"<div class=comment><p>Comment number {i}: I really liked this piece.</p>"
                  "</div>" for i in range(10))
        + "</div></body></html>")
    assert add(library, web.url("/guests")) == 0
    assert "No main article text found" in capsys.readouterr().err
    [path] = stored(library)
    assert "Comment number 9" in path.read_text(encoding="utf-8")


def test_add_from_a_list_with_good_and_bad_urls(
    web: LocalServer, library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(3):
        web.routes[f"/p{index}"] = page(article_html(f"Story {index}", [
            f"{text} Story number {index}." for text in PARAGRAPHS]))
    web.routes["/gone"] = page("gone", status=410)
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# reading list\n\n"
        f"{web.url('/p0')}\n  {web.url('/p1')}  \n{web.url('/gone')}\n"
        "javascript:alert(1)\n\n"
        f"# done\n{web.url('/p2')}\n{web.url('/p0')}\n",
        encoding="utf-8",
    )
    assert add(library, "--from", str(listing)) == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    err = captured.err.splitlines()
    assert len(out) == 4 and len(err) == 2  # one line per URL
    assert out[0].startswith("added “Story 0”") and out[1].startswith("added “Story 1”")
    assert out[2].startswith("added “Story 2”")
    assert out[3].startswith("already in the library: “Story 0”")
    assert err[0] == f"postil: cannot add {web.url('/gone')}: HTTP 410 Gone (the page was removed)"
    assert err[1].startswith("postil: cannot add javascript:alert(1): javascript: addresses")
    assert sorted(p.name for p in stored(library)) == ["story-0.md", "story-1.md", "story-2.md"]
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal


def test_add_from_standard_input(web: LocalServer, library: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    web.routes["/tides"] = page(PAGE)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(
        f"{web.url('/tides')}\n".encode())))
    assert add(library, "--from", "-") == 0
    assert [p.name for p in stored(library)] == ["tide-tables.md"]


def test_dns_failure(library: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    real = socket.getaddrinfo

    def fail(host: object, *args: object, **kwargs: object) -> object:
        if host == "no-such-host.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert add(library, "https://no-such-host.test/story") == 1
    assert capsys.readouterr().err == (
        "postil: cannot add https://no-such-host.test/story: cannot find the host "
        "(DNS lookup failed; check the address)\n")


def test_tls_failure(web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/tides"] = page(PAGE)
    url = web.url("/tides").replace("http://", "https://")
    assert add(library, "--timeout", "5", url) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"postil: cannot add {url}: TLS failure: ")
    assert err.count("\n") == 1


def test_proxy_from_the_environment(web: LocalServer, library: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = LocalServer()
    try:
        proxy.routes["http://story.example/tides"] = page(PAGE)
        monkeypatch.setenv("http_proxy", proxy.url(""))
        assert add(library, "http://story.example/tides") == 0
        assert proxy.requests[0][0] == "http://story.example/tides"
        # no_proxy: straight to the server.
        web.routes["/direct"] = page(article_html("Direct", PARAGRAPHS[::-1]))
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert add(library, web.url("/direct")) == 0
        assert web.hits("/direct") == 1 and len(proxy.requests) == 1
    finally:
        proxy.close()


def test_check_url_rejects_hostless_and_odd_addresses() -> None:
    for bad in ("http://", "https:///path", "http://exa mple.com/"):
        with pytest.raises(FetchError):
            check_url(bad)
    assert check_url(" https://example.com/a ") == "https://example.com/a"


def test_304_without_validators_is_not_an_error(web: LocalServer) -> None:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(304)
        request.send_header("Content-Length", "0")
        request.end_headers()

    web.routes["/same"] = handle
    with Fetcher() as fetcher:
        assert fetcher.fetch(web.url("/same")).not_modified


def test_a_short_retry_after_is_honoured_once(web: LocalServer) -> None:
    answers = iter([page("busy", status=429, headers={"Retry-After": "1"}),
                    page(PAGE)])
    web.routes["/busy"] = lambda request: next(answers)(request)
    with Fetcher(FetchOptions(timeout=5)) as fetcher:
        fetched = fetcher.fetch(web.url("/busy"))
    assert fetched.status == 200 and web.hits("/busy") == 2
    web.routes["/always"] = page("busy", status=503, headers={"Retry-After": "120"})
    with Fetcher(FetchOptions(timeout=5)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(web.url("/always"))
    assert "HTTP 503" in str(caught.value) and web.hits("/always") == 1  # too long: no wait


def test_title_option_and_hostile_titles(web: LocalServer, library: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    evil = article_html("Evil \x1b]0;pwned\x07 \x1b[2J Title \u202e", PARAGRAPHS)
    web.routes["/evil"] = page(evil)
    web.routes["/named"] = page(article_html("Original", PARAGRAPHS[::-1]))
    assert add(library, web.url("/evil")) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    [path] = stored(library)
    assert "\x1b" not in path.read_text(encoding="utf-8")
    assert add(library, "--title", "My Own Name", web.url("/named")) == 0
    assert front_of(library / "my-own-name.md")["title"] == "My Own Name"
