"""The address a request came from, for rate limits: the peer, or what the trusted proxies in front of us saw."""

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or behind LEADHUB_TRUSTED_PROXIES proxies the address the outermost of them saw.

    Each proxy appends the address it was contacted from to X-Forwarded-For, so with N trusted proxies the
    client is the N-th entry from the right; anything further left is whatever the client chose to send.
    Without this, every visitor behind a proxy shares the proxy's address and one person's failed logins or
    inquiries would lock everybody out.
    """
    proxies = settings.LEADHUB_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"
