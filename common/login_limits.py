"""One limiter for every form that logs in with a password: failures counted per username and per address.

A username locks after LEADHUB_LOGIN_MAX_FAILURES failures within LEADHUB_LOGIN_LOCKOUT_MINUTES; an address (one
office may be many people) after four times as many. Every login surface (accounts, admin, any added later) mixes
LimitedLoginForm into its authentication form, so a failure on one counts on all of them.
"""

import hashlib
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.client_address import client_address

ADDRESS_LIMIT_FACTOR = 4
LOCKED_OUT_MESSAGE = _(
    "Too many failed log-in attempts. For your safety, logging in is locked for %(minutes)d "
    "minutes. Try again later or ask your partner admin to reset your password."
)
# Set on the request when the limiter refused it, so whichever view rendered the form can answer 429.
_LOCKED_OUT = "_leadhub_login_locked_out"


def login_name(username) -> str:
    """The name authentication looks the user up by, case-folded: one counter for every spelling of it.

    Django's UsernameField strips the input and normalises it with NFKC before authenticating, so the fullwidth
    `ｆabrikam` logs in as `fabrikam`; keying on anything else gives each spelling its own tries. Case-folding
    on top merges `Admin` and `admin` (a stricter lock, never a looser one). Folding can leave text NFKC would
    change (`ǰ` folds to `j` + a combining caron), hence the second normalisation.
    """
    name = unicodedata.normalize("NFKC", str(username or "").strip())
    return unicodedata.normalize("NFKC", name.casefold())


def username_key(username) -> str:
    # Hashed: a username may hold anything a visitor types, and a cache key should not.
    digest = hashlib.sha256(login_name(username).encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-failures:user:{digest}"


def address_key(address: str) -> str:
    return f"login-failures:addr:{address}"


class LoginLimiter:
    """The failure counters of one login attempt: this username, from this address."""

    def __init__(self, request, username):
        address = client_address(request) if request is not None else "unknown"
        self.keys = (username_key(username), address_key(address))
        maximum = settings.LEADHUB_LOGIN_MAX_FAILURES
        self.limits = (maximum, maximum * ADDRESS_LIMIT_FACTOR)

    def is_locked(self) -> bool:
        counts = cache.get_many(self.keys)
        return any((counts.get(key) or 0) >= limit for key, limit in zip(self.keys, self.limits))

    def record_failure(self) -> None:
        for key in self.keys:
            cache.add(key, 0, timeout=settings.LEADHUB_LOGIN_LOCKOUT_MINUTES * 60)
            cache.incr(key)

    def record_success(self) -> None:
        # The address keeps its count: one right password must not clear an office's worth of guesses.
        cache.delete(self.keys[0])


class LimitedLoginForm:
    """Mixed in before an AuthenticationForm (Django's, the admin's): checks the limiter before authenticating.

    A locked username or address is refused even with the right password; only a wrong password counts (a right
    one refused for another reason, e.g. not staff on the admin, is no guess).
    """

    def clean(self):
        limiter = LoginLimiter(self.request, self.data.get(self.add_prefix("username"), ""))
        if limiter.is_locked():
            if self.request is not None:
                setattr(self.request, _LOCKED_OUT, True)
            raise ValidationError(
                LOCKED_OUT_MESSAGE, code="locked_out", params={"minutes": settings.LEADHUB_LOGIN_LOCKOUT_MINUTES}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.get_user() is None:
                limiter.record_failure()
            raise
        limiter.record_success()
        return cleaned


def with_lockout_status(request, response):
    """`response`, answering 429 Too Many Requests when the limiter refused this request's login."""
    if getattr(request, _LOCKED_OUT, False):
        response.status_code = 429
    return response
