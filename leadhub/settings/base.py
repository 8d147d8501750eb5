"""Settings shared by every environment; each value that differs per machine comes from the environment."""

import os
from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "common.apps.LimitedAdminConfig",  # django.contrib.admin, its site's login limited like every other
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "django_htmx",
    "template_partials",
    "ninja",
    "django_countries",
    "common",
    "profiles",
    "leads",
    "routing",
    "privacy",
    "insights",
    "webhooks",
]

MIDDLEWARE = [
    # Outermost, so the time it measures includes every other middleware.
    "leadhub.ops.metrics.RequestMetricsMiddleware",
    "leadhub.ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leadhub.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "leadhub.urls"
WSGI_APPLICATION = "leadhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's form renderer, with the templates of a field's label, errors and widget written in Python (the
# templates, a dozen renders per field, were most of a lead page's CPU); common/form_renderer.py says how.
FORM_RENDERER = "common.form_renderer.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# The cache holds rate-limit counters and a copy of each session; use Redis (CACHE_URL=redis://…) wherever
# more than one process serves requests (production refuses anything else), so every process sees the same.
def redis_clients_reused(cache: dict) -> dict:
    """A CACHES entry with Django's Redis backend swapped for common.cache's, which keeps one client per connection
    pool instead of building one per command (any other backend is left as it is)."""
    if cache.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        cache["BACKEND"] = "common.cache.RedisCache"
    return cache


CACHES = {"default": redis_clients_reused(env.cache("CACHE_URL", default="locmemcache://"))}
CACHES["default"].setdefault("KEY_PREFIX", "leadhub")
# The templates' {% cache %} fragments, per process as they change only with the code (docs/architecture.md).
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "leadhub-fragments"}
# Sessions are written to the database and read from the cache: every page needs its session, and a cache read
# costs a third of a database query. Logging out deletes both copies.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = ["profiles.backends.MembershipBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/leads/marketplace/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cs", "Čeština")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's own date formats (templates use named formats such as "DATE_FORMAT", never a pattern).
FORMAT_MODULE_PATH = ["leadhub.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security headers. The policy allows no inline script or style anywhere: HTMX is configured for it
# (allowEval false, no indicator styles) in templates/_base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
LEADHUB_SESSION_IDLE_MINUTES = env.int("LEADHUB_SESSION_IDLE_MINUTES", default=120)
# Error pages (DEBUG) and error reports show neither the process environment nor credentials.
DEFAULT_EXCEPTION_REPORTER_FILTER = "leadhub.error_reports.NoSecretsReporterFilter"
LEADHUB_LOGIN_MAX_FAILURES = env.int("LEADHUB_LOGIN_MAX_FAILURES", default=5)
LEADHUB_LOGIN_LOCKOUT_MINUTES = env.int("LEADHUB_LOGIN_LOCKOUT_MINUTES", default=15)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="LeadHub <leads@leadhub.example>")
# A mail server that stops answering fails the send (and the task retries it) instead of hanging a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The first wait before a failed e-mail is tried again; each further wait doubles, up to 10 minutes.
LEADHUB_EMAIL_RETRY_BACKOFF_SECONDS = env.int("LEADHUB_EMAIL_RETRY_BACKOFF_SECONDS", default=15)
# For this long after a lead's event, an hourly job re-queues its e-mail if nobody has received it yet.
LEADHUB_EMAIL_CATCH_UP_HOURS = env.int("LEADHUB_EMAIL_CATCH_UP_HOURS", default=48)
# Where the links in e-mails point.
LEADHUB_BASE_URL = env("LEADHUB_BASE_URL", default="http://127.0.0.1:8000")

# Celery: the broker defaults to kombu's file-system transport so a fresh machine needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes a task's database connections before and after every task unless this is set: a new
# PostgreSQL connection (a backend process, its catalogue caches) per task cost more than the deliveries it sent.
# Set, it closes one every 2,000 tasks; leadhub.celery closes broken and CONN_MAX_AGE-old ones after each task.
CELERY_DB_REUSE_MAX = 1000
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Where the exchanges are recorded; kombu's default is ./control, in whatever directory the process runs.
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # Redis re-delivers an unacknowledged task after this long: keep it above the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
# Every queue a plain `celery -A leadhub worker` consumes: e-mails and jobs on `celery`, webhook deliveries on
# `webhooks`, so a slow CRM fills its own queue and never delays an e-mail (give it a worker of its own: -Q webhooks).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery", routing_key="celery"), Queue("webhooks", routing_key="webhooks")]
CELERY_TASK_ROUTES = {"webhooks.tasks.webhook_deliver*": {"queue": "webhooks"}}
# With late acks a task cut off by a lost broker connection is delivered again, so stop it rather than finish twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The periodic jobs (DESIGN §3). A run queued while no worker was up expires instead of piling up; two runs that
# do overlap are safe (each skips rows the other holds).
LEADHUB_JOB_INTERVAL_SECONDS = env.int("LEADHUB_JOB_INTERVAL_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-leads": {
        "task": "leads.tasks.expire_overdue_leads",
        "schedule": LEADHUB_JOB_INTERVAL_SECONDS,
        "options": {"expires": LEADHUB_JOB_INTERVAL_SECONDS},
    },
    "cool-hot-leads": {
        "task": "leads.tasks.cool_hot_leads",
        "schedule": LEADHUB_JOB_INTERVAL_SECONDS,
        "options": {"expires": LEADHUB_JOB_INTERVAL_SECONDS},
    },
    "resend-missed-emails": {
        "task": "leads.tasks.resend_missed_emails",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Deciding a lead refreshes its partner's figure at once; this moves the 90-day window for everyone.
    # Each decision updates routing's statistics at once; this rebuilds them from the leads themselves.
    "rebuild-routing-statistics": {
        "task": "leads.tasks.rebuild_routing_statistics",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
    # Each change refreshes the insights' rollups of its day at once; this rebuilds them from the leads themselves.
    "rebuild-insights-rollups": {
        "task": "insights.tasks.rebuild_insights_rollups",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
    "refresh-response-times": {
        "task": "leads.tasks.refresh_response_times",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
    # Webhook retries due later than a queued task may wait in Redis, and deliveries whose task was lost.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Archived leads older than LEADHUB_RETENTION_DAYS lose their personal data (privacy.retention).
    "anonymise-old-leads": {
        "task": "privacy.tasks.anonymise_old_leads",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
    "clear-expired-sessions": {
        "task": "leadhub.clear_expired_sessions",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
}

# The lead lifecycle's clocks (DESIGN §3).
LEADHUB_RESPONSE_DAYS = env.int("LEADHUB_RESPONSE_DAYS", default=14)
LEADHUB_HOT_HOURS = env.int("LEADHUB_HOT_HOURS", default=72)
# Archived leads keep their customer's personal data this long after they were archived (docs/privacy.md).
LEADHUB_RETENTION_DAYS = env.int("LEADHUB_RETENTION_DAYS", default=730)
# Leads per retention batch: one statement over eight tables, about 95 ms of CPU per 1,000 leads (500 cost 7% more
# CPU in all); one batch in ten also merges the search index's pending entries, about 90 ms more (bench/privacy.py).
LEADHUB_RETENTION_BATCH_SIZE = env.int("LEADHUB_RETENTION_BATCH_SIZE", default=1000)
# Rows per job transaction: small enough that a batch holds its row locks well under 250 ms on a busy 2-core
# machine, large enough that per-batch overhead stays a few percent (make bench measures both).
LEADHUB_JOB_BATCH_SIZE = env.int("LEADHUB_JOB_BATCH_SIZE", default=1000)
# Connections the expiry job drains a backlog with (PostgreSQL): two keep both cores of a small database busy.
LEADHUB_JOB_WORKERS = env.int("LEADHUB_JOB_WORKERS", default=2)
LEADHUB_DEMO_PASSWORD = env("LEADHUB_DEMO_PASSWORD", default="leadhub-demo")
# The public contact form: inquiries accepted per client address per hour.
LEADHUB_INQUIRY_RATE_PER_HOUR = env.int("LEADHUB_INQUIRY_RATE_PER_HOUR", default=5)
# A qualified lead that is declined (but not as spam) or expires goes on to the next eligible partner by itself.
LEADHUB_AUTO_REROUTE = env.bool("LEADHUB_AUTO_REROUTE", default=True)
# Proxies in front of the app that append to X-Forwarded-For (rate limits count per client address). 0: none,
# REMOTE_ADDR is the client. Never more than there really are: a client could then choose its own address.
LEADHUB_TRUSTED_PROXIES = env.int("LEADHUB_TRUSTED_PROXIES", default=0)

# Webhooks (DESIGN §9). The key encrypts endpoint secrets at rest: a Fernet key (comma-separate several to rotate it;
# the first encrypts). Without one, a key derived from SECRET_KEY serves development; production requires it.
LEADHUB_WEBHOOKS_KEY = env.list("LEADHUB_WEBHOOKS_KEY", default=[])
# true: http and loopback URLs are allowed (local runs and tests); never in production.
LEADHUB_WEBHOOKS_ALLOW_PRIVATE = env.bool("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", default=False)
LEADHUB_WEBHOOKS_TIMEOUT_SECONDS = env.float("LEADHUB_WEBHOOKS_TIMEOUT_SECONDS", default=10)
# Seconds to wait before each retry of a failed delivery (Standard Webhooks' schedule, about 28 hours in all).
LEADHUB_WEBHOOKS_RETRY_DELAYS = [
    int(s)
    for s in env.list("LEADHUB_WEBHOOKS_RETRY_DELAYS", default=["5", "300", "1800", "7200", "18000", "36000", "36000"])
]
# An endpoint that has failed without a success for this long is disabled and its partner admins are told.
LEADHUB_WEBHOOKS_DISABLE_AFTER_HOURS = env.int("LEADHUB_WEBHOOKS_DISABLE_AFTER_HOURS", default=72)
LEADHUB_WEBHOOKS_MAX_ENDPOINTS = env.int("LEADHUB_WEBHOOKS_MAX_ENDPOINTS", default=10)

# Logs: plain text by default; LOG_FORMAT=json writes one JSON object a line. Either way each line carries the
# request id (leadhub.ops.request_id), which the Celery tasks a request queued carry too.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "leadhub.ops.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# /metrics answers only `Authorization: Bearer <this>`; empty (the default) turns it off (404).
LEADHUB_METRICS_TOKEN = env("LEADHUB_METRICS_TOKEN", default="")
# prometheus-client's multiprocess mode: every gunicorn and Celery worker process of one deployment writes its
# counters here and a scrape adds them up. Set before anything imports prometheus_client, whatever command line
# started the process; one directory per settings module, so the tests never add to a developer's figures.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(
        VAR_DIR / "metrics" / os.environ.get("DJANGO_SETTINGS_MODULE", "leadhub.settings").rsplit(".", 1)[-1]
    )
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

# Errors to Sentry when SENTRY_DSN is set (web and Celery workers); nothing is sent otherwise.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from leadhub.ops.sentry import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
