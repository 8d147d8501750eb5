"""The admin site: Django's, except that its login form goes through the same limiter as every other login."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required

from common.login_limits import LimitedLoginForm, with_lockout_status


class LimitedAdminAuthenticationForm(LimitedLoginForm, AdminAuthenticationForm):
    """The admin's login form (staff only), counted against the same username and address as /accounts/login/."""


class LimitedAdminSite(admin.AdminSite):
    login_form = LimitedAdminAuthenticationForm

    @login_not_required
    def login(self, request, extra_context=None):
        # AdminSite.login builds Django's LoginView itself, so the lockout's 429 is set on the response it returns.
        return with_lockout_status(request, super().login(request, extra_context))
