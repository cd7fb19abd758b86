"""Fetch one web page the way a careful program should (urllib3 underneath).

- Only ``http:`` and ``https:`` are fetched; ``file:``, ``data:``, ``javascript:`` and every other
  scheme are refused with a message saying so (:func:`check_url`).
- Connect and read timeouts (:attr:`FetchOptions.timeout`), plus a limit on the whole download
  (:attr:`FetchOptions.total_timeout`) so a server trickling bytes cannot hold postil forever.
- At most :attr:`FetchOptions.max_redirects` redirects, each checked like the first URL; a
  redirect back to an address already visited is reported as a loop.
- A size cap on the *decoded* body (:attr:`FetchOptions.max_bytes`), enforced while streaming,
  so neither an endless body nor a compression bomb fills the memory.
- ``Accept-Encoding`` offers what urllib3 can decode here (gzip, deflate; brotli and zstd when
  their modules are installed).
- A ``User-Agent`` naming postil and its version; credentials in the URL are sent as HTTP Basic
  authentication to the first host only and never appear in what is stored or printed.
- Proxies from the standard environment variables (``http_proxy``, ``https_proxy``,
  ``all_proxy``, ``no_proxy``, upper or lower case), read with :mod:`urllib.request`.
- Conditional requests (``If-None-Match`` / ``If-Modified-Since``) for refreshing.
- A ``429`` / ``503`` answer with a short ``Retry-After`` is waited for and asked once more.
- Content types: HTML and XHTML, ``text/plain`` and ``text/markdown`` (a missing type is sniffed
  from the body); anything else is refused before its body is downloaded, naming the type.
- Every failure is a :class:`FetchError` whose text is one line: the URL and the reason.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from reader import __version__
from reader.loading import ArticleError
from reader.sanitize import clean_line

#: Connect / read timeout in seconds (``--timeout``).
DEFAULT_TIMEOUT = 30.0
#: Largest decoded response body accepted (``--max-size``).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Most redirects followed for one URL.
MAX_REDIRECTS = 10
#: Longest ``Retry-After`` (seconds) honoured by waiting and asking once more.
MAX_RETRY_AFTER = 30.0
#: The whole download may take this many times the timeout.
TOTAL_TIMEOUT_FACTOR = 10
USER_AGENT = (
    f"postil/{__version__} (terminal article reader; fetches only pages its user adds; "
    "+https://pypi.org/project/postil/)"
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
TEXT_TYPES = frozenset({"text/plain"})
ARTICLE_TYPES = HTML_TYPES | MARKDOWN_TYPES | TEXT_TYPES
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,text/markdown;q=0.8,text/plain;q=0.7,*/*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Signatures of common binary formats (checked when a type is missing or claims to be text).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf (a PDF document)"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "a RIFF file (image/webp, audio or video)"),
    (b"PK\x03\x04", "application/zip (a zip archive or office document)"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x7fELF", "an executable program"),
)
_HTML_SNIFF = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta|p|div)\b",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([a-zA-Z0-9._:-]+)", re.IGNORECASE
)
#: Labels browsers read as windows-1252 (the WHATWG Encoding Standard).
_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii",
                           "l1", "cp819", "windows-1252", "cp1252"})


class FetchError(ArticleError):
    """A page could not be fetched; ``str(error)`` is one line: the URL and the reason.

    It is an :class:`~reader.loading.ArticleError`, so code adding articles handles files and
    pages alike.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = display_url(url)
        self.reason = clean_line(reason)
        super().__init__(f"{self.url}: {self.reason}")


class FetchCancelled(FetchError):
    """The fetch was cancelled by its caller (nothing was stored)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "cancelled")


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How pages are fetched.

    Attributes:
        timeout: Seconds to wait for a connection, and for each read from the server.
        max_bytes: Largest decoded body accepted.
        max_redirects: Most redirects followed.
        total_timeout: Seconds the whole fetch may take (default: ten times ``timeout``).
        user_agent: The ``User-Agent`` header.
    """

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    total_timeout: float | None = None
    user_agent: str = USER_AGENT

    @property
    def deadline_seconds(self) -> float:
        """How long the whole fetch may take."""
        if self.total_timeout is not None:
            return self.total_timeout
        return max(self.timeout * TOTAL_TIMEOUT_FACTOR, self.timeout)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said about a page's version, for a conditional request on refresh."""

    etag: str = ""
    last_modified: str = ""


@dataclass(slots=True)
class FetchedPage:
    """A fetched response.

    Attributes:
        requested: The URL asked for (credentials stripped).
        url: The final URL after redirects (credentials and fragment stripped).
        status: The HTTP status (200, or 304 for an unchanged page).
        media_type: The content type without parameters (sniffed when the server sent none).
        charset: The charset the ``Content-Type`` header named, or "".
        body: The decoded (decompressed) body; empty for 304.
        validators: ETag and Last-Modified the server sent.
    """

    requested: str
    url: str
    status: int
    media_type: str
    charset: str
    body: bytes
    validators: Validators

    @property
    def not_modified(self) -> bool:
        """True when the server said the page has not changed (304)."""
        return self.status == 304

    def text(self) -> str:
        """The body as text: BOM, else the header's charset, else ``<meta>``, else detection.

        Raises:
            FetchError: when the body is not text in any encoding postil can determine.
        """
        return decode_body(self.body, self.charset, self.media_type in HTML_TYPES, self.url)


ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes received, total bytes if the server said) while a body downloads."""


def check_url(url: str) -> str:
    """Return ``url`` stripped of surrounding space if it may be fetched.

    Raises:
        FetchError: for any scheme but http and https, or an address without a host.
    """
    url = url.strip()
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    if scheme == "file":
        raise FetchError(url, "file: addresses are not fetched; give the file's path instead")
    if scheme not in {"http", "https"}:
        named = f"{scheme}: addresses are" if scheme else "this is not a web address and is"
        raise FetchError(url, f"{named} not fetched (only http:// and https://)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise FetchError(url, f"not a valid address ({error})") from None
    if not parts.hostname:
        raise FetchError(url, "not a valid address (no host name)")
    if any(ch in url for ch in "\r\n\t\x00") or " " in parts.netloc:
        raise FetchError(url, "not a valid address (contains spaces or control characters)")
    return url


def display_url(url: str) -> str:
    """``url`` without credentials (``user:password@``) and fragment, safe to print or store."""
    url = clean_line(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def is_web_url(text: str) -> bool:
    """Tell whether ``text`` is an http(s) address."""
    return re.match(r"(?i)https?://[^\s/]", text.strip()) is not None


def looks_like_url(text: str) -> bool:
    """Tell whether ``text`` is meant as an address (``scheme://…`` or a well-known scheme)."""
    match = _SCHEME.match(text.strip())
    if match is None:
        return False
    scheme = match.group(1).lower()
    return "://" in text or scheme in {"data", "javascript", "file", "mailto", "about", "blob",
                                       "vbscript", "ftp", "http", "https"}


class Fetcher:
    """Fetches pages with shared connection pools (safe to use from several threads)."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        self._direct = urllib3.PoolManager(num_pools=32, maxsize=8, block=False)
        self._proxied: dict[str, urllib3.ProxyManager] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close every pooled connection."""
        self._direct.clear()
        with self._lock:
            for manager in self._proxied.values():
                manager.clear()
            self._proxied.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ proxies
    def _manager(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        proxies = urllib.request.getproxies()
        proxy = proxies.get(parts.scheme) or proxies.get("all")
        host = parts.hostname or ""
        if not proxy or urllib.request.proxy_bypass(host):
            return self._direct
        if "://" not in proxy:
            proxy = f"http://{proxy}"
        proxy_scheme = proxy.split("://", 1)[0].lower()
        if proxy_scheme not in {"http", "https"}:
            raise FetchError(url, f"the {proxy_scheme} proxy in the environment is not supported "
                                  "(use an http:// proxy)")
        with self._lock:
            manager = self._proxied.get(proxy)
            if manager is None:
                proxy_parts = urlsplit(proxy)
                headers = None
                if proxy_parts.username is not None:
                    credentials = f"{unquote(proxy_parts.username)}:" + unquote(
                        proxy_parts.password or "")
                    headers = urllib3.make_headers(proxy_basic_auth=credentials)
                try:
                    manager = urllib3.ProxyManager(
                        display_url(proxy).rstrip("/"), num_pools=32, maxsize=8,
                        proxy_headers=headers,
                    )
                except (ValueError, LocationParseError) as error:
                    raise FetchError(url, f"bad proxy setting {display_url(proxy)}: "
                                          f"{error}") from None
                self._proxied[proxy] = manager
            return manager

    # ------------------------------------------------------------------ fetching
    def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> FetchedPage:
        """Fetch ``url`` (following redirects) and return the page.

        Args:
            url: An http(s) address; credentials in it are sent to its host only.
            validators: ETag / Last-Modified of the stored copy: a 304 answer comes back as a
                page with :attr:`FetchedPage.not_modified` and no body.
            progress: Called as the body downloads.
            cancelled: Polled while downloading; a True answer stops with
                :class:`FetchCancelled`.

        Raises:
            FetchError: for every failure, with a one-line reason.
        """
        options = self.options
        original = check_url(url)
        deadline = time.monotonic() + options.deadline_seconds
        first = urlsplit(original)
        auth = _basic_auth(first.username, first.password)
        current = _without_credentials(original)
        visited: set[str] = set()
        retried = False
        for _hop in range(options.max_redirects + 1):
            visited.add(_without_fragment(current))
            response = self._request(current, auth if _same_origin(current, original) else None,
                                     validators, deadline)
            status = response.status
            wait = _retry_after(response) if status in {429, 503} and not retried else None
            if wait is not None and wait <= min(options.timeout, MAX_RETRY_AFTER) and (
                time.monotonic() + wait < deadline
            ):
                # The site asked to come back shortly: wait as asked, then try once more.
                _discard(response)
                retried = True
                _sleep(wait, cancelled, current)
                response = self._request(current, auth if _same_origin(current, original)
                                         else None, validators, deadline)
                status = response.status
            if status in _REDIRECTS:
                location = response.headers.get("Location", "")
                _discard(response)
                if not location.strip():
                    raise FetchError(current, f"HTTP {status} redirect without a Location")
                target = _without_fragment(urljoin(current, location.strip()))
                try:
                    check_url(target)
                except FetchError as error:
                    raise FetchError(current, f"redirected to {error.url}: {error.reason}"
                                     ) from None
                if target in visited:
                    raise FetchError(original, f"redirect loop (back to {display_url(target)})")
                current = target
                continue
            return self._finish(original, current, response, progress, cancelled, deadline)
        raise FetchError(original, f"more than {options.max_redirects} redirects")

    def _request(
        self, url: str, auth: str | None, validators: Validators | None, deadline: float
    ) -> urllib3.BaseHTTPResponse:
        options = self.options
        headers = {
            "User-Agent": options.user_agent,
            "Accept": _ACCEPT,
            **urllib3.make_headers(accept_encoding=True),
        }
        if auth:
            headers["Authorization"] = auth
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        remaining = max(0.1, deadline - time.monotonic())
        timeout = urllib3.Timeout(connect=min(options.timeout, remaining),
                                  read=min(options.timeout, remaining))
        manager = self._manager(url)
        try:
            return manager.request(
                "GET", url, headers=headers, redirect=False, retries=False, timeout=timeout,
                preload_content=False, decode_content=True,
            )
        except Exception as error:
            raise FetchError(url, describe_error(error, options.timeout)) from None

    def _finish(
        self,
        original: str,
        url: str,
        response: urllib3.BaseHTTPResponse,
        progress: ProgressCallback | None,
        cancelled: Callable[[], bool] | None,
        deadline: float,
    ) -> FetchedPage:
        status = response.status
        etag = clean_line(response.headers.get("ETag", ""))[:512]
        modified = clean_line(response.headers.get("Last-Modified", ""))[:128]
        media_type, charset = parse_content_type(response.headers.get("Content-Type", ""))
        validators = Validators(etag, modified)
        if status == 304:
            _discard(response)
            return FetchedPage(display_url(original), display_url(url), status, media_type,
                               charset, b"", validators)
        if status >= 400 or status < 200 or status in {204, 205, 206}:
            _discard(response)
            raise FetchError(url, http_reason(status, response.reason))
        if status != 200 and status != 203:
            _discard(response)
            raise FetchError(url, f"unexpected answer HTTP {status} {response.reason or ''}")
        if media_type and media_type not in ARTICLE_TYPES:
            _discard(response)
            raise FetchError(url, unsupported_type(media_type))
        declared = _content_length(response)
        limit = self.options.max_bytes
        if declared is not None and declared > limit and not response.headers.get(
            "Content-Encoding"
        ):
            response.close()
            raise FetchError(url, too_large(limit, declared))
        body = self._read_body(url, response, declared, progress, cancelled, deadline)
        sniffed = sniff_binary(body)
        if sniffed is not None:
            said = f"sent as {media_type}, but it is" if media_type else "it is"
            raise FetchError(url, f"not an article: {said} {sniffed}")
        if not media_type:
            media_type = "text/html" if _HTML_SNIFF.match(body[:4096]) else "text/plain"
        return FetchedPage(display_url(original), display_url(url), status, media_type, charset,
                           body, validators)

    def _read_body(
        self,
        url: str,
        response: urllib3.BaseHTTPResponse,
        declared: int | None,
        progress: ProgressCallback | None,
        cancelled: Callable[[], bool] | None,
        deadline: float,
    ) -> bytes:
        limit = self.options.max_bytes
        chunks: list[bytes] = []
        received = 0
        clean = False
        try:
            for chunk in response.stream(_CHUNK, decode_content=True):
                received += len(chunk)
                if received > limit:
                    raise FetchError(url, too_large(limit))
                chunks.append(chunk)
                if cancelled is not None and cancelled():
                    raise FetchCancelled(url)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"the download took longer than "
                                          f"{self.options.deadline_seconds:g} s")
                if progress is not None:
                    progress(received, declared)
            clean = True
        except FetchError:
            raise
        except Exception as error:
            raise FetchError(url, describe_error(error, self.options.timeout)) from None
        finally:
            if clean:
                response.release_conn()
            else:
                response.close()  # a half-read connection is never reused
        return b"".join(chunks)


# --------------------------------------------------------------------- helpers
def parse_content_type(value: str) -> tuple[str, str]:
    """``("text/html", "utf-8")`` from ``"text/html; charset=UTF-8"`` (lower case; "" if absent)."""
    pieces = [piece.strip() for piece in value.split(";")]
    media_type = pieces[0].lower() if pieces and "/" in pieces[0] else ""
    charset = ""
    for piece in pieces[1:]:
        key, _, parameter = piece.partition("=")
        if key.strip().lower() == "charset":
            charset = parameter.strip().strip("\"'").lower()
    return clean_line(media_type), clean_line(charset)


def sniff_binary(body: bytes) -> str | None:
    """Name the binary format ``body`` is in (PDF, image, archive, ...), or None for text."""
    head = body[:1024]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return None


def decode_body(body: bytes, charset: str, html: bool, url: str = "") -> str:
    """Decode a fetched body: BOM, else ``charset``, else an HTML ``<meta>``, else detection."""
    from reader.loading import decode_bytes

    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return decode_bytes(body)
        except ArticleError as error:
            raise FetchError(url, str(error)) from None
    candidates = [charset] if charset else []
    if html:
        match = _META_CHARSET.search(body[:8192])
        if match:
            candidates.append(match.group(1).decode("ascii", "ignore").lower())
    for candidate in candidates:
        text = _decode_as(body, candidate)
        if text is not None:
            return text
    try:
        return decode_bytes(body)
    except ArticleError as error:
        raise FetchError(url, str(error)) from None


def _decode_as(body: bytes, label: str) -> str | None:
    if label in _WINDOWS_1252:
        try:
            return body.decode("cp1252")
        except UnicodeDecodeError:
            return body.decode("latin-1")
    try:
        return body.decode(label)
    except (UnicodeDecodeError, LookupError):
        return None


def http_reason(status: int, reason: str | None) -> str:
    """A one-line reason for an HTTP error status."""
    reason = clean_line(reason or "")
    label = f"HTTP {status} {reason}".strip()
    if status == 404:
        return f"{label} (no such page)"
    if status == 410:
        return f"{label} (the page was removed)"
    if status in {401, 403}:
        return f"{label} (the site refused access)"
    if status == 429:
        return f"{label} (the site asks to slow down; try again later)"
    if status >= 500:
        return f"{label} (a server error; try again later)"
    return label


def unsupported_type(media_type: str) -> str:
    """Why a content type is refused."""
    return (f"not an article: the server sent {media_type} "
            "(postil adds HTML, XHTML, plain text and Markdown pages)")


def too_large(limit: int, size: int | None = None) -> str:
    """Why a body over the size cap is refused."""
    limit_text = _megabytes(limit)
    if size is not None:
        return f"too large ({_megabytes(size)}; the limit is {limit_text}, see --max-size)"
    return f"too large (more than {limit_text}, see --max-size)"


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 else f"{value:.2g} MB"


def describe_error(error: BaseException, timeout: float) -> str:
    """A one-line reason for a urllib3 / socket / TLS failure."""
    reason = getattr(error, "reason", None)
    if isinstance(error, NameResolutionError) or isinstance(reason, socket.gaierror):
        return "cannot find the host (DNS lookup failed; check the address)"
    if isinstance(error, NewConnectionError):
        text = str(error).lower()
        if "refused" in text:
            return "connection refused (nothing answers at that address)"
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "cannot find the host (DNS lookup failed; check the address)"
        if "timed out" not in text:
            return f"cannot connect: {_short(error)}"
    if isinstance(error, ConnectTimeoutError):
        return f"timed out connecting (after {timeout:g} s, see --timeout)"
    if isinstance(error, ReadTimeoutError) or isinstance(error, TimeoutError | socket.timeout):
        return f"timed out: no answer for {timeout:g} s (see --timeout)"
    if isinstance(error, SSLError) or isinstance(reason, ssl.SSLError):
        detail = _short(reason if reason is not None else error)
        return f"TLS failure: {detail}"
    if isinstance(error, ProxyError):
        return f"proxy failure: {_short(reason if reason is not None else error)}"
    if isinstance(error, DecodeError):
        return "the server sent badly compressed data"
    if isinstance(error, ProtocolError):
        return f"the connection broke: {_short(error)}"
    if isinstance(error, LocationParseError | ValueError):
        return f"not a valid address ({_short(error)})"
    if isinstance(error, HTTPError | OSError):
        return _short(error)
    return f"{type(error).__name__}: {_short(error)}"


def _short(error: object) -> str:
    text = clean_line(str(error))
    text = re.sub(r"<urllib3\.[^>]*>:?\s*", "", text)
    text = re.sub(r"^\(?\s*['\"]?(?:Connection aborted\.)?['\"]?,?\s*", "", text)
    return text[:200] or type(error).__name__


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    """Seconds a 429/503 answer asks to wait (``Retry-After`` in seconds or as a date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    import datetime as dt

    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _sleep(seconds: float, cancelled: Callable[[], bool] | None, url: str) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if cancelled is not None and cancelled():
            raise FetchCancelled(url)
        time.sleep(min(0.1, left))


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Finish with a response whose body is not wanted: a short body is read so the connection
    can be reused, anything else closes the connection."""
    length = _content_length(response)
    try:
        if length is not None and length <= _CHUNK:
            response.drain_conn()
            response.release_conn()
        else:
            response.close()
    except Exception:  # noqa: BLE001 - a broken connection is simply not reused
        response.close()


def _content_length(response: urllib3.BaseHTTPResponse) -> int | None:
    value = response.headers.get("Content-Length", "")
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


def _basic_auth(username: str | None, password: str | None) -> str | None:
    if username is None:
        return None
    pair = f"{unquote(username)}:{unquote(password or '')}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def _same_origin(a: str, b: str) -> bool:
    first, second = urlsplit(a), urlsplit(b)
    return (first.scheme.lower(), first.hostname, first.port) == (
        second.scheme.lower(), second.hostname, second.port)


__all__ = [
    "ARTICLE_TYPES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "FetchCancelled",
    "FetchError",
    "FetchOptions",
    "FetchedPage",
    "Fetcher",
    "HTML_TYPES",
    "MARKDOWN_TYPES",
    "USER_AGENT",
    "Validators",
    "check_url",
    "display_url",
    "is_web_url",
    "looks_like_url",
]
