from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        # The nightly job is named in CELERY_BEAT_SCHEDULE: register it in every process, not only in workers.
        from privacy import tasks  # noqa: F401
