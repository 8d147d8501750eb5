"""Create the demo organisations, users and leads in every status. Safe to run again: it changes nothing twice."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from leads.management.commands._demo_history import seed_history
from leads.models import Lead
from profiles.models import BusinessProfile, Location, Membership, Organisation, Role

ORGANISATIONS = {
    "contoso": {
        "name": "Contoso Consulting",
        "description": "Cloud migrations, Microsoft 365 roll-outs and managed IT for growing companies.",
        "keywords": ["cloud", "migration", "microsoft 365", "managed services"],
        "company_sizes": ["10-49", "50-249", "250-999"],
        "industries": ["Manufacturing", "Retail"],
        "locations": [
            ("CZ", "Praha", "Jana Nováková", "jana@contoso.example", "+420 601 000 001"),
            ("DE", "Berlin", "Max Müller", "max@contoso.example", "+49 30 000 001"),
        ],
    },
    "fabrikam": {
        "name": "Fabrikam Data",
        "description": "Data platforms, analytics and AI for enterprises.",
        "keywords": ["data", "analytics", "ai", "power bi"],
        "company_sizes": ["250-999", "1000+"],
        "industries": ["Finance", "Healthcare"],
        "locations": [("US", "Seattle", "Sam Lee", "sam@fabrikam.example", "+1 206 000 0001")],
    },
}

CUSTOMERS = [
    (
        "Northwind Traders",
        "Anna Svobodová",
        "anna@northwind.example",
        "50-249",
        "CZ",
        "Brno",
        "Move 40 on-premise servers to the cloud before the lease ends in spring.",
    ),
    (
        "Tailspin Toys",
        "Petr Dvořák",
        "petr@tailspin.example",
        "10-49",
        "CZ",
        "Ostrava",
        "Microsoft 365 for 30 people, including e-mail migration from Google.",
    ),
    (
        "Wide World Importers",
        "Laura Schmidt",
        "laura@wwi.example",
        "250-999",
        "DE",
        "Hamburg",
        "Power BI dashboards for sales across 12 countries.",
    ),
    (
        "Adventure Works",
        "Tom Baker",
        "tom@adventure.example",
        "1000+",
        "US",
        "Denver",
        "A data warehouse and forecasting for 300 stores.",
    ),
    (
        "Litware Inc.",
        "Eva Horáková",
        "eva@litware.example",
        "10-49",
        "CZ",
        "Plzeň",
        "Managed backup and security monitoring for a small law firm.",
    ),
    (
        "Proseware",
        "Ken Ito",
        "ken@proseware.example",
        "50-249",
        "US",
        "Austin",
        "Help choosing between two CRM systems and migrating 10 years of data.",
    ),
]


class Command(BaseCommand):
    help = "Create demo organisations (contoso, fabrikam), their users, an ops user and leads in every status."

    def handle(self, *args, **options):
        password = settings.LEADHUB_DEMO_PASSWORD
        with transaction.atomic():
            ops = self._user("ops", password, email="ops@vendor.example", is_staff=True, is_superuser=True)
            logins = [("ops", "vendor ops staff (Django admin: /admin/)")]
            for slug, data in ORGANISATIONS.items():
                organisation = self._organisation(slug, data)
                for suffix, role in (("admin", Role.PARTNER_ADMIN), ("referrals", Role.REFERRALS_ADMIN)):
                    username = f"{slug}-{suffix}"
                    user = self._user(username, password, email=f"{username}@{slug}.example")
                    Membership.objects.update_or_create(
                        user=user, defaults={"organisation": organisation, "role": role}
                    )
                    logins.append((username, f"{Role(role).label}, {organisation.name}"))
                if not Lead.objects.filter(partner=organisation).exists():
                    self._leads(organisation, ops)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in with any of these (password: {password}):"))
        for username, what in logins:
            self.stdout.write(f"  {username:<20} {what}")

    def _user(self, username, password, **fields):
        user, _ = get_user_model().objects.get_or_create(username=username, defaults=fields)
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _organisation(self, slug, data):
        organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": data["name"]})
        profile, created = BusinessProfile.objects.get_or_create(
            organisation=organisation,
            defaults={key: data[key] for key in ("description", "keywords", "company_sizes", "industries")},
        )
        if created:
            for country, city, name, email, phone in data["locations"]:
                Location.objects.create(
                    profile=profile,
                    country=country,
                    city=city,
                    contact_name=name,
                    contact_email=email,
                    contact_phone=phone,
                )
        return organisation

    def _leads(self, organisation, ops):
        # Months of leads with their history at their own times (insights need a past to show).
        admin = get_user_model().objects.get(username=f"{organisation.slug}-admin")
        seed_history(organisation, by=ops, answerer=admin, customers=CUSTOMERS, now=timezone.now())
