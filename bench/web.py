"""Benchmark: ``postil add --from`` fetches concurrently, and that pays.

A local HTTP server (127.0.0.1, in this process) serves ``--urls`` distinct article pages, each
answered after ``--delay`` seconds (a slow site). The same list is added twice into fresh
libraries, in this run: once one by one (``--jobs 1``, the baseline) and once with the default
concurrency (at most 4 at a time per host — all pages here are on one host). Prints both total
times and the speed-up.

Run: ``.venv/bin/python bench/web.py``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAGRAPH = (
    "The tide comes in twice a day, and the tables tell you when, to the minute. Fishermen "
    "trust them more than the forecast, and with reason: the moon keeps its word. "
)


def article(number: int) -> bytes:
    """A distinct article page."""
    body = "".join(f"<p>{PARAGRAPH}Paragraph {i} of story {number}.</p>" for i in range(12))
    return (
        f"<!doctype html><html><head><title>Story {number}</title></head><body><article>"
        f"<h1>Story {number}</h1>{body}</article></body></html>"
    ).encode()


def serve(delay: float) -> ThreadingHTTPServer:
    """Start the slow server; pages are /story/N."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            time.sleep(delay)
            number = int(self.path.rsplit("/", 1)[-1])
            data = article(number)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_add(url_file: Path, home: Path, jobs: int | None) -> tuple[float, int]:
    """Run ``postil add --from`` in this process; return (seconds, exit status)."""
    from reader.cli import main

    library = home / "library"
    args = ["--library", str(library), "add", "--from", str(url_file)]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        status = main(args)
    elapsed = time.perf_counter() - started
    added = out.getvalue().count("added “")
    if added != sum(1 for _ in url_file.read_text().splitlines()):
        print(f"warning: only {added} pages added", file=sys.stderr)
    return elapsed, status


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.2)
    options = parser.parse_args()
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        os.environ.pop(name, None)
    server = serve(options.delay)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        os.environ["POSTIL_CACHE"] = str(root / "cache")
        url_file = root / "urls.txt"
        url_file.write_text(
            "".join(f"http://127.0.0.1:{port}/story/{n}\n" for n in range(options.urls))
        )
        # Warm-up (imports, trafilatura's first run) so neither measurement pays for it.
        warm = root / "warm.txt"
        warm.write_text(f"http://127.0.0.1:{port}/story/999999\n")
        timed_add(warm, root / "warm", 1)
        serial, serial_status = timed_add(url_file, root / "serial", 1)
        parallel, parallel_status = timed_add(url_file, root / "parallel", None)
    server.shutdown()
    print(f"add --from with {options.urls} URLs, server answering after "
          f"{options.delay * 1000:.0f} ms each (one host)")
    print(f"  one by one (--jobs 1, baseline): {serial:6.2f} s  (exit {serial_status})")
    print(f"  concurrent (default)           : {parallel:6.2f} s  (exit {parallel_status})")
    print(f"  speed-up: {serial / parallel:.1f}x  (bound: 4 at a time per host)")


if __name__ == "__main__":
    main()
