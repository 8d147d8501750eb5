"""App config for insights: a partner's numbers and the vendor's partner league (DESIGN §8)."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from insights.subscribers import COUNTED, refresh_rollups
        from leads.events import follow

        follow(refresh_rollups, actions=COUNTED)
