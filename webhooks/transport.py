"""One signed POST to a receiver: to the address the guard checked, no redirects, a hard timeout, 1 KB of answer."""

import ipaddress
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils import timezone

from webhooks.guard import Target, UnsafeURL, resolve_target

ANSWER_BYTES = 1024
USER_AGENT = "LeadHub-Webhooks/1"
# Clients kept open per process, so a busy receiver's connections (and TLS sessions) are reused.
CLIENTS_KEPT = 64
_clients: OrderedDict[Target, httpx.Client] = OrderedDict()
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


def _client(target: Target) -> httpx.Client:
    """A client per (scheme, host name, checked address, port): its pool only ever reuses a connection made to this
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
        # trust_env off: a proxy from the environment would connect to the name again, past the checked address.
        client = httpx.Client(
            timeout=settings.LEADHUB_WEBHOOKS_TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
            verify=_ssl_context,
        )
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
    request_headers = {
        **headers,
        "Host": _host_header(url),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        client = _client(target)
        request = client.build_request(
            "POST", _pinned_url(url, target), content=body, headers=request_headers, extensions=extensions
        )
        response = client.send(request, stream=True)
        try:
            answer = b""
            for chunk in response.iter_bytes():
                answer += chunk
                if len(answer) >= ANSWER_BYTES or time.monotonic() - started > timeout:
                    break
        finally:
            response.close()
    except httpx.TimeoutException:
        return Answer(None, "", f"Timed out after {timeout:g} s.", elapsed_ms())
    except httpx.HTTPError as error:
        return Answer(None, "", f"{type(error).__name__}: {error}"[:500], elapsed_ms())
    text = answer[:ANSWER_BYTES].decode("utf-8", "replace").replace("\x00", "")  # PostgreSQL text holds no NUL
    return Answer(
        response.status_code, text, "", elapsed_ms(), retry_after(response.headers.get("Retry-After"), timezone.now())
    )
