"""Build a library folder full of hostile and broken article files."""

from __future__ import annotations

import os
from pathlib import Path

#: Characters that must never reach the terminal from user text.
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\x90", "\x00", "\u202e", "\u202d", "\u2066",
             "\u2067", "\u2068", "\u2069", "\x7f")

MARKUP = (
    "Markup Is Just Text\n\n"
    "Square brackets [bold]stay[/bold] literal, so do [/] and [/ and [@click=app.quit]Quit[/].\n\n"
    "A link [link=file:///etc/passwd]here[/link] and [red on white]colours[/] too.\n"
)
ESCAPES = (
    "Escape \x1b]0;PWNED-TITLE\x07Sequences\n\n"
    "Clipboard \x1b]52;c;ZWNobyBvd25lZA==\x07write and \x1b[2J\x1b[Hclear screen.\n\n"
    "Colour \x1b[31mred\x1b[0m, DCS \x1bPqpayload\x1b\\ and 8-bit \x9b31m CSI.\n\n"
    "Bidi \u202eevil\u202c and \u2066isolate\u2069 marks, bell \x07 and delete \x7f here.\n"
)
NESTED_MARKDOWN = (
    "# Deep\n\n" + "".join(">" * depth + " level\n" for depth in range(1, 60)) + "\n"
    + "".join("  " * depth + "- item\n" for depth in range(0, 60))
    + "\n<script>alert('x')</script>\n\n[click](javascript:alert(1))\n"
)
HTML_PAGE = (
    "<html><head><title>Hostile [bold]Page[/]</title><script>evil()</script></head>"
    "<body><nav>Home | About</nav><article><h1>Hostile [bold]Page[/]</h1>"
    + "".join(f"<p>Paragraph {n} of the page \x1b]0;x\x07 with text.</p>" for n in range(12))
    + "</article><aside>Ads</aside></body></html>"
)


def make_hostile_library(root: Path) -> dict[str, Path]:
    """Create the hostile files under ``root``; returns them by name."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def write(name: str, data: bytes | str) -> Path:
        path = root / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        files[name] = path
        return path

    write("markup.txt", MARKUP)
    write("escapes.txt", ESCAPES)
    write("empty.txt", b"")
    write("whitespace.txt", "   \n\n\t  \n   ")
    write("binary.txt", b"\x00\x01\x02\x03 binary \x00\xff\xfe" * 64)
    write("latin1.txt", "Café Crème\n\nUn résumé naïf à la française, déjà vu.".encode("latin-1"))
    write("utf16.txt", "UTF-16 Article\n\nText with a byte order mark — “quotes”.".encode("utf-16"))
    write("nested.md", NESTED_MARKDOWN)
    write("page.html", HTML_PAGE)
    write("crlf.txt", b"Windows Title\r\n\r\nLine one\r\nline two.\r\n")
    (root / "x.txt").mkdir(exist_ok=True)  # a directory named like an article
    broken = root / "broken-link.txt"
    if not broken.is_symlink():
        broken.symlink_to(root / "does-not-exist.txt")
    files["broken-link.txt"] = broken
    loop = root / "loop"
    if not loop.is_symlink():
        loop.symlink_to(root, target_is_directory=True)
    unreadable = write("unreadable.txt", "Secret\n\nYou cannot read this.")
    os.chmod(unreadable, 0)
    return files


def make_big_files(root: Path) -> dict[str, Path]:
    """A 10 MB file on one line and a 50,000-paragraph file."""
    root.mkdir(parents=True, exist_ok=True)
    one_line = root / "one-line.txt"
    if not one_line.exists():
        sentence = "all work and no play makes a dull article indeed "
        one_line.write_text(sentence * (10 * 1024 * 1024 // len(sentence)), encoding="utf-8")
    many = root / "many-paragraphs.txt"
    if not many.exists():
        many.write_text(
            "Fifty Thousand Paragraphs\n\n"
            + "\n\n".join(f"Paragraph number {n} says something short." for n in range(50_000)),
            encoding="utf-8",
        )
    return {"one-line.txt": one_line, "many-paragraphs.txt": many}


def has_forbidden(text: str) -> list[str]:
    """The forbidden characters present in ``text`` (C0 controls other than \\n and \\t too)."""
    found = [repr(ch) for ch in FORBIDDEN if ch in text]
    found += [repr(ch) for ch in set(text) if ord(ch) < 32 and ch not in "\n\t"]
    return found
