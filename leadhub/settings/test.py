"""Settings for the test suite: real PostgreSQL and Redis, at local defaults unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import CACHES, env, redis_clients_reused

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/leadhub"),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1200}
CACHES["default"] = redis_clients_reused(env.cache("CACHE_URL", default=CELERY_BROKER_URL))
CACHES["default"]["KEY_PREFIX"] = "leadhub-test"
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The Celery worker process that an integration test starts writes its mail as files the test then reads.
if env("LEADHUB_TEST_EMAIL_DIR", default=""):
    EMAIL_BACKEND = env("LEADHUB_TEST_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = env("LEADHUB_TEST_EMAIL_DIR")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Receivers in tests listen on 127.0.0.1 over http.
LEADHUB_WEBHOOKS_ALLOW_PRIVATE = env.bool("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", default=True)
