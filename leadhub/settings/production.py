"""Production settings: PostgreSQL, Redis, SMTP, HTTPS only; every secret from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
# Opening a PostgreSQL connection costs more than rendering a small page: keep them open.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Several processes serve requests: a per-process cache would let a logged-out session live on in another
# worker's copy and multiply every rate limit, so only a shared cache will do (base.py reads CACHE_URL).
if not env("CACHE_URL", default="") or (
    CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] in {"LocMemCache", "DummyCache", "FileBasedCache"}
):
    raise ImproperlyConfigured("CACHE_URL must name a cache that every process shares, such as redis://host:6379/1.")

# Webhook secrets are encrypted with this key; a key derived from SECRET_KEY would change with it (and leak with it).
LEADHUB_WEBHOOKS_KEY = env.list("LEADHUB_WEBHOOKS_KEY", default=[])
if not LEADHUB_WEBHOOKS_KEY:
    raise ImproperlyConfigured(
        "LEADHUB_WEBHOOKS_KEY must be set: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )
LEADHUB_WEBHOOKS_ALLOW_PRIVATE = False

# Production runs behind one TLS-terminating proxy, whose X-Forwarded-Proto and X-Forwarded-For are trusted;
# set LEADHUB_TRUSTED_PROXIES=0 where clients reach gunicorn directly.
LEADHUB_TRUSTED_PROXIES = env.int("LEADHUB_TRUSTED_PROXIES", default=1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
