"""The bench URLconf: every route of the app plus the Fortunes-style reference view (bench settings only)."""

from django.urls import path

from leadhub.bench_views import fortunes
from leadhub.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("bench/fortunes/", fortunes, name="bench-fortunes"), *app_urlpatterns]
