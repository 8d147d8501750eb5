"""App config for leads."""

from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = pgettext_lazy("admin section", "Leads")

    def ready(self) -> None:
        from leads import subscribers

        subscribers.connect()
