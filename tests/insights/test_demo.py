"""seed_demo gives the demo partners months of leads whose history happened at the leads' own times."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from leads.models import EventAction, Lead, LeadEvent, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_leads_span_months_with_history_at_their_own_times():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    leads = Lead.objects.filter(partner__slug="contoso")
    assert leads.filter(received_at__lt=now - timedelta(days=300)).exists()
    assert {lead.received_at.month for lead in leads} == set(range(1, 13))
    events = {(event.lead_id, event.action): event.at for event in LeadEvent.objects.filter(lead__in=leads)}
    for lead in leads:
        assert events[(lead.pk, EventAction.CREATE)] == lead.received_at
        if lead.status == Status.EXPIRED:
            assert events[(lead.pk, EventAction.EXPIRE)] == lead.respond_by
        elif lead.status != Status.RECEIVED:
            action = EventAction.DECLINE if lead.status == Status.DECLINED else EventAction.ACCEPT
            assert events[(lead.pk, action)] == lead.decided_at
            assert lead.received_at < lead.decided_at < lead.received_at + timedelta(days=14)
        if lead.status in (Status.WON, Status.LOST):
            closed = events[(lead.pk, EventAction.WIN if lead.status == Status.WON else EventAction.LOSE)]
            assert lead.decided_at < closed <= now
    newest = leads.order_by("-received_at").first()
    assert newest.is_hot and now - newest.received_at < timedelta(hours=3)
    assert events[(newest.pk, EventAction.CREATE)] == newest.received_at  # not the time of seeding


def test_seed_demo_partners_answer_differently_so_the_league_has_something_to_show():
    call_command("seed_demo", stdout=io.StringIO())
    expired = {
        slug: Lead.objects.filter(partner__slug=slug, status=Status.EXPIRED).count()
        / Lead.objects.filter(partner__slug=slug).count()
        for slug in ("contoso", "fabrikam")
    }
    assert expired["fabrikam"] > 2 * expired["contoso"]
