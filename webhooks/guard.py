"""The SSRF guard: which URLs may receive webhooks, and the one public address a delivery connects to.

A URL is checked when it is registered and again at every delivery: its host is resolved once, every address it
resolves to must be public, and the delivery then connects to that checked address (the Host header and TLS SNI
name the host), so a DNS answer that changes between the check and the connection cannot reach inside.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(Exception):
    """The URL may not receive webhooks; the message says why, for the person who registered it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL, without brackets
    port: int
    address: str  # the checked IP address to connect to


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo), which may route to them."""
    embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    return [ip for ip in embedded if ip is not None]


def _is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def address_is_public(address: IPAddress) -> bool:
    """Reachable on the public internet: not private, loopback, link-local, multicast, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and any(not address_is_public(ip) for ip in _embedded_ipv4(address)):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed(address: IPAddress) -> bool:
    return address_is_public(address) or (settings.LEADHUB_WEBHOOKS_ALLOW_PRIVATE and _is_loopback(address))


def _split(url: str) -> tuple[str, str, int]:
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        port = parts.port
    except (ValidationError, ValueError):
        raise UnsafeURL(_("Enter a valid http(s) URL."))
    if parts.username or parts.password:
        raise UnsafeURL(_("The URL may not contain a user name or password."))
    if parts.scheme != "https" and not settings.LEADHUB_WEBHOOKS_ALLOW_PRIVATE:
        raise UnsafeURL(_("The URL must use https."))
    host = parts.hostname or ""
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(_("The host name %(host)s does not resolve.") % {"host": host})
    # An address with a zone ("fe80::1%eth0") is link-local, and ip_address() refuses the zone.
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def resolve_target(url: str) -> Target:
    """Check `url` and resolve it once: where a delivery may connect. UnsafeURL when it may not receive webhooks."""
    scheme, host, port = _split(url)
    addresses = _resolve(host, port)
    refused = [address for address in addresses if not _allowed(address)]
    if refused or not addresses:
        raise UnsafeURL(
            _("The URL points to a private, loopback or otherwise non-public address (%(address)s).")
            % {"address": refused[0] if refused else host}
        )
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]))


def clean_url(url: str) -> str:
    """A URL fit to register, or a ValidationError saying why not."""
    url = (url or "").strip()
    if len(url) > 2000:
        raise ValidationError(_("The URL may be at most 2,000 characters long."))
    try:
        resolve_target(url)
    except UnsafeURL as refused:
        raise ValidationError(str(refused))
    return url
