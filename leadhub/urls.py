"""The URLconf: each app's routes, the admin, accounts and the health check."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from leadhub.accounts import LoginView
from leadhub.api import api
from leadhub.ops.metrics import metrics
from leadhub.views import healthz
from leads.web.public import partner_contact

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="leads:marketplace", permanent=False)),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("leads/", include("leads.urls")),
    path("api/v1/", api.urls),
    path("insights/", include("insights.urls")),
    path("partners/", include("profiles.directory_urls")),
    # The contact form on a partner's page creates a lead, so its view lives in leads (leads -> profiles).
    path("partners/<slug:slug>/contact/", partner_contact, name="partner-contact"),
    path("profile/tokens/", include("profiles.token_urls")),
    path("profile/webhooks/", include("webhooks.urls")),
    path("profile/", include("profiles.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
