"""The receiver example of docs/webhooks.md works: it verifies real deliveries with the standardwebhooks package,
drops a repeated webhook-id, and keeps the newest data when deliveries arrive out of order."""

import json
import re
import threading
from http.server import HTTPServer
from pathlib import Path

import pytest

from leads import services
from tests.factories import LeadFactory
from webhooks.models import Attempt, Delivery
from webhooks.sending import delivery_send
from webhooks.services import delivery_resend, endpoint_create

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
DEAL = {"deal_name": "Cloud", "deal_value": "100.00", "estimated_close_date": "2030-01-01"}


@pytest.fixture
def documented_receiver():
    text = DOC.read_text()
    code = re.search(r"## A receiver\n\n```python\n(.*?)```", text, re.DOTALL).group(1)
    serve = 'HTTPServer(("0.0.0.0", 8080), Receiver).serve_forever()\n'
    assert code.endswith(serve)
    code = code.removesuffix(serve).replace(
        'sqlite3.connect("crm.sqlite3")', 'sqlite3.connect(":memory:", check_same_thread=False)'
    )
    namespace = {"__name__": "documented_receiver"}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (our own documentation)
    server = HTTPServer(("127.0.0.1", 0), namespace["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    namespace["url"] = f"http://127.0.0.1:{server.server_address[1]}/leadhub"
    yield namespace
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_documented_receiver_verifies_deduplicates_and_keeps_the_newest(documented_receiver, org, partner_admin):
    endpoint, secret = endpoint_create(by=partner_admin, url=documented_receiver["url"])
    documented_receiver["SECRETS"][:] = [secret]
    lead = LeadFactory(partner=org)
    services.lead_accept(lead=lead, by=partner_admin, **DEAL)
    services.lead_update_deal(lead=lead, by=partner_admin, crm_id="OPP-4711")
    accepted, updated = Delivery.objects.order_by("id")
    assert delivery_send(delivery_id=updated.pk) is True  # the newer event first ...
    assert delivery_send(delivery_id=accepted.pk) is True  # ... then the older one, late
    delivery_resend(by=partner_admin, endpoint_id=endpoint.pk, delivery_id=updated.pk)
    assert delivery_send(delivery_id=updated.pk) is True  # and a repeat
    assert list(Attempt.objects.values_list("status_code", flat=True)) == [204, 204, 204]
    db = documented_receiver["db"]
    assert db.execute("SELECT count(*) FROM seen").fetchone()[0] == 2
    [(data,)] = db.execute("SELECT data FROM lead").fetchall()
    assert json.loads(data)["crm_id"] == "OPP-4711" and json.loads(data)["etag"] == updated.payload["etag"]


@pytest.mark.django_db
def test_the_documented_receiver_refuses_a_wrong_signature(documented_receiver, org, partner_admin):
    endpoint_create(by=partner_admin, url=documented_receiver["url"])
    documented_receiver["SECRETS"][:] = ["whsec_" + "A" * 43 + "="]
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    assert delivery_send(delivery_id=Delivery.objects.get().pk) is False
    assert Attempt.objects.get().status_code == 401
