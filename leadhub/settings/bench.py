"""Settings for `make bench`: production's choices (no DEBUG, persistent connections) over plain HTTP on loopback."""

import warnings

from .base import *  # noqa: F403
from .base import CACHES, MIDDLEWARE, env, redis_clients_reused

# The bench serves no static files (the pages are measured without their CSS and JS), so none are collected.
warnings.filterwarnings("ignore", message="No directory at")

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/leadhub_bench")}
# As in production: opening a PostgreSQL connection costs more than rendering a small page.
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The bench talks plain HTTP to 127.0.0.1, so no HTTPS redirect and no Secure-only cookies.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/6")
# As in production: a cache all gunicorn workers share (sessions are read from it).
CACHES["default"] = redis_clients_reused(env.cache("BENCH_CACHE_URL", default="redis://127.0.0.1:6379/7"))
CACHES["default"]["KEY_PREFIX"] = "leadhub-bench"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1200}
# The Fortunes-style reference view and the timing/query-count headers exist only under these settings.
ROOT_URLCONF = "leadhub.bench_urls"
MIDDLEWARE = ["leadhub.bench_views.ServerTimingMiddleware", *MIDDLEWARE]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
