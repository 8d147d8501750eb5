"""App config for webhooks: signed deliveries of lead events to partners' CRMs."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from leads.events import subscribe
        from webhooks.subscribers import create_deliveries

        subscribe(create_deliveries)
