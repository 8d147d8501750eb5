"""`make run` keeps DEBUG on for the developer; its error page must not hand a visitor the developer's secrets."""

import pytest
from django.views.debug import get_default_exception_reporter_filter

SECRET = "hunter2-do-not-show"
# What runserver copies from the process environment into every request's META.
ENVIRONMENT = {
    "DATABASE_URL": f"postgres://leadhub:{SECRET}@db.internal/leadhub",
    "AWS_SESSION_CREDENTIALS": SECRET,
    "HOME": f"/home/{SECRET}",
    "LEADHUB_DEMO_PASSWORD": SECRET,
}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.CELERY_BROKER_URL = f"redis://:{SECRET}@127.0.0.1:6379/10"
    settings.CACHES = {
        **settings.CACHES,
        "other": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"redis://:{SECRET}@cache"},
    }
    return settings


@pytest.mark.django_db
def test_a_too_large_form_shows_the_debug_page_without_the_environment_or_credentials(client, debug):
    body = "username=someone&password=" + SECRET + "&filler=" + "x" * 3_000_000
    response = client.post("/accounts/login/", body, content_type="application/x-www-form-urlencoded", **ENVIRONMENT)
    page = response.content.decode()
    assert response.status_code == 400
    assert "RequestDataTooBig" in page  # still the developer's debug page, traceback and all
    assert SECRET not in page
    assert "DATABASE_URL" not in page and "AWS_SESSION_CREDENTIALS" not in page


@pytest.mark.django_db
def test_a_debug_page_keeps_the_request_s_own_headers(client, debug):
    response = client.post(
        "/accounts/login/",
        "filler=" + "x" * 3_000_000,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_PROBE="probe-header-value",
    )
    assert "probe-header-value" in response.content.decode()


def test_the_filter_hides_sensitive_post_parameters_even_with_debug_on(rf, settings):
    settings.DEBUG = True
    request = rf.post("/accounts/login/", {"password": SECRET})
    request.sensitive_post_parameters = "__ALL__"
    reporter_filter = get_default_exception_reporter_filter()
    assert reporter_filter.is_active(request)
    assert SECRET not in str(reporter_filter.get_post_parameters(request))
