"""The load test's data: a history in bulk (seed_bulk) and the organisations whose people are simulated.

`seed_people` makes organisations of ten partner users each, with a listed profile and a queue of fresh received
leads, logs every user in (a session in the shared cache, as after a log-in) and issues one API token per
organisation; it returns what loadtest/locustfile.py reads from the people file. Needs Django set up.
"""

import json
from datetime import timedelta
from pathlib import Path

USERS_PER_ORG = 10


def seed_history(*, leads: int, partners: int) -> None:
    """A realistic background: `leads` leads of every age and status over `partners` partners, through COPY."""
    from django.core.management import call_command

    if leads:
        call_command("seed_bulk", leads=leads, partners=partners, prefix="bulk", verbosity=0)


def seed_people(*, users: int, leads_per_org: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django.utils import timezone

    from leads.models import Customer, Lead
    from leads.services import leads_search_index
    from profiles.api_tokens import api_token_issue
    from profiles.models import BusinessProfile, Membership, Organisation, Role

    User = get_user_model()
    now = timezone.now()
    password = make_password(None)
    people = {"partner_users": [], "api_tokens": [], "listed": []}
    organisations = max(1, -(-users // USERS_PER_ORG))
    for o in range(organisations):
        org = Organisation.objects.create(slug=f"load-{o:04d}", name=f"Load Partner {o:04d}")
        BusinessProfile.objects.create(
            organisation=org,
            description=f"Load Partner {o}: cloud migration, data and security.",
            keywords=["cloud", "data", "security"],
            company_sizes=["10-49", "50-249"],
            industries=["Retail"],
        )
        people["listed"].append(org.slug)
        members = User.objects.bulk_create(
            User(username=f"load-{o:04d}-{u}", email=f"u{u}@load-{o:04d}.example", password=password)
            for u in range(USERS_PER_ORG)
        )
        Membership.objects.bulk_create(
            Membership(user=user, organisation=org, role=Role.PARTNER_ADMIN if u == 0 else Role.REFERRALS_ADMIN)
            for u, user in enumerate(members)
        )
        customers = Customer.objects.bulk_create(
            Customer(
                company=f"Load Customer {o}-{i}",
                contact_name="Load Contact",
                email=f"c{o}-{i}@customer.example",
                country="CZ",
            )
            for i in range(leads_per_org)
        )
        leads_search_index(
            Lead.objects.bulk_create(
                Lead(
                    partner=org,
                    customer=customer,
                    lead_type="customer_inquiry" if i % 2 else "sales_qualified",
                    need="Move our servers to the cloud and keep the data safe.",
                    received_at=now - timedelta(minutes=i),
                    respond_by=now + timedelta(days=13),
                    referred_by_email="seller@vendor.example",
                )
                for i, customer in enumerate(customers)
            )
        )
        people["api_tokens"].append(api_token_issue(user=members[0], name="Load CRM")[1])
        for user in members:
            client = Client()
            client.force_login(user)
            people["partner_users"].append({"username": user.username, "sessionid": client.cookies["sessionid"].value})
    people["partner_users"] = people["partner_users"][:users]
    return people


def write_people(people: dict, path: Path) -> Path:
    path.write_text(json.dumps(people))
    return path
