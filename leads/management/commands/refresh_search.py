"""`refresh_search`: write the search rows of leads that have none (or, with --all, of every lead)."""

from django.core.management.base import BaseCommand

from leads.models import Lead
from leads.services import leads_search_refresh

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Write what the lead lists' search finds leads by, for leads that have no search row yet (created by "
        "older code during a deploy, or loaded around the services); --all rewrites every lead's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rewrite every lead's row, not only missing ones.")

    def handle(self, *args, all: bool, **options):
        leads = Lead.objects.all() if all else Lead.objects.filter(search__isnull=True)
        ids = leads.order_by().values_list("pk", flat=True)
        batch, written = [], 0
        for lead_id in ids.iterator(chunk_size=BATCH):
            batch.append(lead_id)
            if len(batch) >= BATCH:
                written += leads_search_refresh(batch)
                batch = []
        written += leads_search_refresh(batch) if batch else 0
        self.stdout.write(f"{written} leads' search rows written.")
