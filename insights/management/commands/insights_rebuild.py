"""`manage.py insights_rebuild`: the nightly rebuild of the insights' daily rollups, run by hand.

Run it after loading leads without the services (seed_demo, seed_bulk, a restore), whose events never reached
the subscriber, or after changing TIME_ZONE (the days are the site's).
"""

import time

from django.core.management.base import BaseCommand

from insights.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the insights' daily rollups from the lead table."

    def handle(self, *args, **options):
        started = time.monotonic()
        days, totals = rollups_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {days} partner days and {totals} totals in {time.monotonic() - started:.1f} s."
            )
        )
