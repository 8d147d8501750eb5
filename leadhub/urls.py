"""The URLconf: each app's routes, the admin, accounts and the health check."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from leadhub.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="leads:marketplace", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("leads/", include("leads.urls")),
    path("profile/", include("profiles.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
