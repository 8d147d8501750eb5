"""Run the hot-flag job once, now: leads past LEADHUB_HOT_HOURS stop being hot."""

from django.core.management.base import BaseCommand

from leads.services import leads_cool_hot


class Command(BaseCommand):
    help = "Clear the hot flag of leads received more than LEADHUB_HOT_HOURS ago (the periodic job, run once)."

    def handle(self, *args, **options):
        count = leads_cool_hot()
        self.stdout.write(f"Cooled {count} lead(s).")
