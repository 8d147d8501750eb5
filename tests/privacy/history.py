"""A customer with a history in every status, made through the services as the app makes it."""

import json
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from leads import services
from leads.models import Lead, Status
from leads.tasks import lead_notify

PERSON = {
    "company": "Erasmus Pekárna s.r.o.",
    "contact_name": "Zdeňka Erasmusová",
    "email": "zdenka@erasmus.example",
    "phone": "+420 601 234 567",
    "company_size": "10-49",
    "country": "CZ",
    "city": "Brno",
}
# What a partner types about the deal: its name names the customer's company, the CRM id is the partner's key to
# the person's record; the campaign is the partner's own and says nothing about the person.
DEAL = {"deal_name": "Erasmus bakery cloud move", "crm_id": "CRM-7731-ERASMUS", "campaign_id": "spring-cloud-2026"}
WEBHOOK_URL = "http://127.0.0.1:9/leadhub"  # the test settings allow loopback; nothing listens
TEAM_MATE = {"name": "Petr Partner", "email": "petr@contoso.example", "phone": "+420 700 000 001"}


def lead_in(status: str, *, org, partner_user, ops_user, person=PERSON) -> Lead:
    """A lead about `person` in `status`, with the history and e-mails that status brings."""
    now = timezone.now()
    lead = services.lead_create(
        by=ops_user,
        partner=org,
        lead_type="sales_qualified",
        customer=person,
        need=f"{person['contact_name']} needs a cloud move ({status}); call {person['phone']}.",
        received_at=now - timedelta(days=20) if status == Status.EXPIRED else now,
    )
    if status == Status.EXPIRED:
        services.leads_expire_overdue(now=now, workers=1)
    elif status == Status.DECLINED:
        services.lead_decline(
            lead=lead, by=partner_user, reason="not_a_fit", reason_notes=f"{person['contact_name']} wants it for free"
        )
        lead_notify.apply(kwargs={"kind": "decline", "lead_id": str(lead.pk)})
    elif status in (Status.ACCEPTED, Status.WON, Status.LOST):
        services.lead_accept(
            lead=lead,
            by=partner_user,
            **DEAL,
            deal_value="12500",
            estimated_close_date=(now + timedelta(days=30)).date(),
            notes=f"Call {person['contact_name']} on {person['phone']}",
            team=[TEAM_MATE],
        )
        services.lead_add_team_member(
            lead=lead, by=partner_user, name=person["contact_name"], email=person["email"], phone=person["phone"]
        )
        services.lead_update_deal(lead=lead, by=partner_user, notes=f"{person['email']} prefers mornings")
        if status == Status.WON:
            services.lead_win(lead=lead, by=partner_user)
        elif status == Status.LOST:
            services.lead_lose(
                lead=lead, by=partner_user, reason="no_budget", reason_notes=f"{person['contact_name']} had no budget"
            )
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == status
    return lead


def webhook_endpoint(partner_admin, url: str = WEBHOOK_URL):
    """The partner's CRM endpoint, so that every change of its leads leaves a webhook delivery (the lead as the
    API shows it) behind."""
    from webhooks.services import endpoint_create

    return endpoint_create(by=partner_admin, url=url)[0]


@contextmanager
def echoing_crm():
    """A partner's CRM on 127.0.0.1 that answers each webhook with the customer it was sent, as CRMs that return
    the record they created do; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = json.dumps({"created": True, "contact": sent["data"]["customer"]}, ensure_ascii=False).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/crm"
    finally:
        server.shutdown()
        server.server_close()


def webhooks_send_all() -> None:
    """Send every pending webhook delivery now, as the worker would."""
    from webhooks.models import Delivery
    from webhooks.sending import delivery_send

    for delivery_id in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery_send(delivery_id=delivery_id)


def inquiry_with_follow_up(*, org, person=PERSON) -> Lead:
    """A customer inquiry from the directory, and the customer writing again with a new name and phone."""
    lead, _ = services.lead_create_inquiry(partner=org, customer=person, need="We need a data platform.")
    services.lead_create_inquiry(
        partner=org,
        customer={**person, "phone": "+420 601 999 888"},
        need=f"{person['contact_name']} again: any news?",
        contact_requested=True,
    )
    lead_notify.apply(kwargs={"kind": "new_lead", "lead_id": str(lead.pk)})
    return lead
