"""Logging in at /accounts/login/: Django's login, through the shared limiter (common.login_limits)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm

from common.login_limits import LimitedLoginForm, with_lockout_status


class RateLimitedAuthenticationForm(LimitedLoginForm, AuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    """Django's login (which rotates the session key), with failed attempts rate limited; a lockout answers 429."""

    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return with_lockout_status(self.request, super().form_invalid(form))
