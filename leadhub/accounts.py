"""Logging in: failed attempts are counted per username and per address, and too many lock the login for a while."""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.client_address import client_address


def _keys(request, username: str) -> list[str]:
    address = client_address(request) if request else "unknown"
    return [f"login-failures:user:{username.strip().lower()}", f"login-failures:addr:{address}"]


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("Too many failed log-in attempts. For your safety, logging in is locked for %(minutes)d "
                        "minutes. Try again later or ask your partner admin to reset your password."),
    }

    def clean(self):
        keys = _keys(self.request, self.data.get("username", ""))
        # One address may be an office full of people: it gets more tries than one username.
        limits = [settings.LEADHUB_LOGIN_MAX_FAILURES, settings.LEADHUB_LOGIN_MAX_FAILURES * 4]
        if any((cache.get(key) or 0) >= limit for key, limit in zip(keys, limits)):
            self.locked_out = True
            raise ValidationError(self.error_messages["locked_out"], code="locked_out",
                                  params={"minutes": settings.LEADHUB_LOGIN_LOCKOUT_MINUTES})
        try:
            cleaned = super().clean()
        except ValidationError:
            for key in keys:
                cache.add(key, 0, timeout=settings.LEADHUB_LOGIN_LOCKOUT_MINUTES * 60)
                cache.incr(key)
            raise
        cache.delete(keys[0])
        return cleaned


class LoginView(auth_views.LoginView):
    """Django's login (which rotates the session key), with failed attempts rate limited; a lockout answers 429."""

    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked_out", False):
            response.status_code = 429
        return response
