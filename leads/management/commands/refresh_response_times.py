"""`refresh_response_times`: recompute every partner's median response time, which the directory ranks by."""

from django.core.management.base import BaseCommand

from leads.services import profiles_refresh_response_times


class Command(BaseCommand):
    help = "Recompute each business profile's median hours from received to accepted/declined (last 90 days)."

    def handle(self, *args, **options):
        figures = profiles_refresh_response_times()
        known = sum(hours is not None for hours in figures.values())
        self.stdout.write(f"{len(figures)} profiles refreshed; {known} have decided leads in the last 90 days.")
