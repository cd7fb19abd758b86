"""A local HTTP server for tests: 127.0.0.1, port 0, in a thread of the test process.

Routes map a path to a handler ``(request) -> None`` that writes the response; :func:`page`
builds the common one. Every request's path and headers are recorded in ``server.requests``.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]

#: How often the serving thread checks whether :meth:`LocalServer.close` asked it to stop.
POLL_SECONDS = 0.02


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-answer is expected here (timeouts, size caps)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with settable routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                handler = server.routes.get(self.path.split("?", 1)[0]) or server.routes.get(
                    self.path)
                if handler is None:
                    page(b"<h1>Not Found</h1>", status=404)(self)
                    return
                try:
                    handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        # shutdown() waits for the serving loop to look up: every poll_interval seconds
        # (socketserver's default half second would be added to every test's teardown).
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """The full URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        return sum(1 for requested, _ in self.requests if requested == path)

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


def page(
    body: bytes | str,
    *,
    status: int = 200,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
    compress: bool = False,
) -> Handler:
    """A handler answering with ``body``."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    if compress:
        data = gzip.compress(data)

    def handle(request: BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        request.send_response(status)
        if content_type is not None:
            request.send_header("Content-Type", content_type)
        if compress:
            request.send_header("Content-Encoding", "gzip")
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    """A handler redirecting to ``location``."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handle


def endless(content_type: str = "text/html") -> Handler:
    """A handler sending a body that never ends (until the client hangs up)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.end_headers()
        chunk = b"<p>" + b"more text " * 800 + b"</p>\n"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            request.wfile.write(chunk)

    return handle


def article_html(title: str, paragraphs: list[str], extra_head: str = "") -> str:
    """A small article page."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | Tide Times</title>"
        f'<meta property="og:title" content="{title}">'
        '<meta property="og:site_name" content="Tide Times">'
        '<meta name="author" content="Ann Lee">'
        f'<meta property="article:published_time" content="2026-11-02">{extra_head}'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}"
        "</article></body></html>"
    )
