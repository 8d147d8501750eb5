"""One signed POST to a receiver: to the address the guard checked, no redirects, a hard timeout, 1 KB of answer.

httpcore rather than httpx's Client on top of it: a delivery needs none of the client's cookies, redirects, auth or
proxies from the environment (a proxy would connect to the name again, past the checked address), and skipping
them halves the CPU a POST costs the worker.
"""

import ipaddress
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpcore
from django.conf import settings
from django.utils import timezone

from webhooks.guard import Target, UnsafeURL, resolve_target

ANSWER_BYTES = 1024
USER_AGENT = "LeadHub-Webhooks/1"
# Connection pools kept open per process, so a busy receiver's connections (and TLS sessions) are reused.
CLIENTS_KEPT = 64
# Per pool: a threads worker sends this many deliveries to one receiver at once at most; more wait for a connection.
CONNECTIONS_PER_RECEIVER = 32
_clients: OrderedDict[Target, httpcore.ConnectionPool] = OrderedDict()
_clients_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str
    error: str
    duration_ms: int
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when - now, timedelta(0)) if when.tzinfo else None


def _pinned_url(url: str, target: Target) -> str:
    parts = urlsplit(url)
    address = ipaddress.ip_address(target.address)
    host = f"[{address}]" if address.version == 6 else str(address)
    return urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def _host_header(url: str) -> str:
    netloc = urlsplit(url).netloc
    return netloc.rsplit("@", 1)[-1]


def _client(target: Target) -> httpcore.ConnectionPool:
    """A connection pool per (scheme, host name, checked address, port): its pool only ever reuses a connection made to this
    address for this host name, never one opened for another name that shares the address (a TLS session is
    verified for the name it was opened with)."""
    global _ssl_context
    with _clients_lock:
        client = _clients.get(target)
        if client is not None:
            _clients.move_to_end(target)
            return client
        if _ssl_context is None:
            # Loading the CA bundle costs more than a whole delivery: once per process.
            _ssl_context = ssl.create_default_context()
        client = httpcore.ConnectionPool(ssl_context=_ssl_context, max_connections=CONNECTIONS_PER_RECEIVER)
        _clients[target] = client
        if len(_clients) > CLIENTS_KEPT:
            _target, oldest = _clients.popitem(last=False)
            oldest.close()
        return client


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url`; never raises for what the receiver or the network does (that is the Answer)."""
    started = time.monotonic()
    timeout = settings.LEADHUB_WEBHOOKS_TIMEOUT_SECONDS

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve_target(url)
    except UnsafeURL as refused:
        return Answer(None, "", f"Refused: {refused}", elapsed_ms())
    request_headers = [
        *((name.encode(), value.encode()) for name, value in headers.items()),
        (b"Host", _host_header(url).encode()),
        (b"Content-Type", b"application/json"),
        (b"Content-Length", str(len(body)).encode()),
        (b"User-Agent", USER_AGENT.encode()),
    ]
    extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    try:
        with _client(target).stream(
            "POST", _pinned_url(url, target), headers=request_headers, content=body, extensions=extensions
        ) as response:
            answer = b""
            for chunk in response.iter_stream():
                answer += chunk
                if len(answer) >= ANSWER_BYTES or time.monotonic() - started > timeout:
                    break
    except httpcore.TimeoutException:
        return Answer(None, "", f"Timed out after {timeout:g} s.", elapsed_ms())
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as error:
        return Answer(None, "", f"{type(error).__name__}: {error}"[:500], elapsed_ms())
    text = answer[:ANSWER_BYTES].decode("utf-8", "replace").replace("\x00", "")  # PostgreSQL text holds no NUL
    retry = next((value.decode("latin-1") for name, value in response.headers if name.lower() == b"retry-after"), None)
    return Answer(response.status, text, "", elapsed_ms(), retry_after(retry, timezone.now()))
