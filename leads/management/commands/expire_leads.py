"""Run the expiry job once, now: leads left unanswered for LEADHUB_RESPONSE_DAYS become expired."""

from django.core.management.base import BaseCommand

from leads.services import leads_expire_overdue


class Command(BaseCommand):
    help = "Expire every lead left in 'received' past its response deadline (the periodic job, run once)."

    def handle(self, *args, **options):
        count = leads_expire_overdue()
        self.stdout.write(f"Expired {count} lead(s).")
