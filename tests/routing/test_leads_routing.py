"""Routing wired into the leads: a lead without a partner goes to the best eligible one and says why, a declined or
expired lead goes on to the next partner (never back), and routing learns from every decision."""

import threading
from html import escape

import pytest
from django.core import mail
from django.db import connection

from leadhub.celery import app as celery_app
from leads import services
from leads.exceptions import LeadConflict
from leads.models import Lead, LeadType, Status
from leads.tasks import rebuild_routing_statistics
from routing.models import PartnerMonth, PartnerStat
from tests.db import wait_until_another_connection_waits_for_a_lock
from tests.factories import LeadFactory, MembershipFactory, UserFactory
from tests.routing.factories import routed_partner

CUSTOMER = {
    "company": "Northwind",
    "contact_name": "Jana Nováková",
    "email": "jana@northwind.example",
    "company_size": "10-49",
    "country": "CZ",
    "city": "Brno",
}


@pytest.fixture
def celery_eager():
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


@pytest.fixture
def partners(db):
    """Three partners for Czech cloud leads, best first: Brno (same city, keywords), Praha, Ostrava."""
    return [
        routed_partner("brno-cloud", keywords=("cloud", "migrace"), places=(("CZ", "Brno"),)),
        routed_partner("praha-cloud", keywords=("cloud",), places=(("CZ", "Praha"),)),
        routed_partner("ostrava-it", keywords=("servers",), places=(("CZ", "Ostrava"),)),
    ]


def create(ops_user, **extra):
    return services.lead_create(
        by=ops_user,
        lead_type=extra.pop("lead_type", LeadType.SALES_QUALIFIED),
        customer=extra.pop("customer", CUSTOMER),
        need=extra.pop("need", "Cloud migrace"),
        **extra,
    )


def decline(lead, reason="not_a_fit"):
    admin = MembershipFactory(organisation=lead.partner, user=UserFactory()).user
    return services.lead_decline(lead=lead.pk, by=admin, reason=reason)


@pytest.mark.django_db
def test_a_lead_without_a_partner_goes_to_the_best_eligible_one_and_keeps_why(ops_user, partners):
    lead = create(ops_user)
    assert lead.partner.slug == "brno-cloud"
    assert [reason["signal"] for reason in lead.match_reasons["en"]][:2] == ["keywords", "location"]
    assert lead.match_reasons["cs"][0]["detail"] != lead.match_reasons["en"][0]["detail"]  # each reader's language


@pytest.mark.django_db
def test_the_api_routes_a_lead_without_partner_and_shows_its_reasons(api_as, ops_user, partners):
    body = {"lead_type": "sales_qualified", "customer": CUSTOMER, "need": "Cloud migrace"}
    response = api_as(ops_user).post("/leads", body, headers={"Accept-Language": "cs"})
    assert response.status_code == 201
    lead = response.json()
    assert lead["partner"] == "brno-cloud" and lead["routed_from"] is None
    assert lead["match_reasons"][0]["signal"] == "keywords" and "klíčov" in lead["match_reasons"][0]["detail"]


@pytest.mark.django_db
def test_nobody_eligible_is_a_422_naming_partner_and_creates_nothing(api_as, ops_user, partners):
    body = {"lead_type": "sales_qualified", "customer": {**CUSTOMER, "country": "JP"}, "need": "Cloud"}
    response = api_as(ops_user).post("/leads", body)
    assert response.status_code == 422 and "partner" in response.json()["errors"]
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_a_lead_addressed_by_hand_has_no_reasons(api_as, ops_user, partners):
    body = {"partner": "ostrava-it", "lead_type": "sales_qualified", "customer": CUSTOMER, "need": "Cloud"}
    lead = api_as(ops_user).post("/leads", body).json()
    assert lead["partner"] == "ostrava-it" and lead["match_reasons"] == []


@pytest.mark.django_db
def test_reroute_walks_the_chain_and_never_revisits_a_partner(api_as, ops_user, partners, settings):
    settings.LEADHUB_AUTO_REROUTE = False
    client = api_as(ops_user)
    first = create(ops_user)
    seen = [first.partner.slug]
    lead = first
    for _ in range(2):
        decline(lead)
        response = client.post(f"/leads/{lead.pk}/reroute")
        assert response.status_code == 201
        body = response.json()
        assert body["routed_from"] == str(lead.pk) and body["status"] == "received"
        assert body["customer"]["email"] == CUSTOMER["email"] and body["need"] == first.need
        seen.append(body["partner"])
        lead = Lead.objects.get(pk=body["id"])
    assert seen == ["brno-cloud", "praha-cloud", "ostrava-it"]
    decline(lead)
    response = client.post(f"/leads/{lead.pk}/reroute")
    assert response.status_code == 422 and "partner" in response.json()["errors"]


@pytest.mark.django_db
def test_reroute_is_for_ops_and_only_from_declined_or_expired(api_as, ops_user, partners, settings):
    settings.LEADHUB_AUTO_REROUTE = False
    lead = create(ops_user)
    partner_admin = MembershipFactory(organisation=lead.partner, user=UserFactory()).user
    assert api_as(partner_admin).post(f"/leads/{lead.pk}/reroute").status_code == 403
    response = api_as(ops_user).post(f"/leads/{lead.pk}/reroute")
    assert response.status_code == 409 and response.json()["status"] == "received"
    decline(lead)
    assert api_as(ops_user).post(f"/leads/{lead.pk}/reroute").status_code == 201
    assert api_as(ops_user).post(f"/leads/{lead.pk}/reroute").status_code == 409  # already sent on
    assert api_as(ops_user).post("/leads/not-a-lead/reroute").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_reroutes_at_once_create_exactly_one_new_lead(ops_user, partners, settings):
    settings.LEADHUB_AUTO_REROUTE = False
    lead = create(ops_user)
    decline(lead)
    results = []

    def second():
        try:
            results.append(services.lead_reroute(lead=lead.pk, by=ops_user))
        except LeadConflict as conflict:
            results.append(conflict)
        finally:
            connection.close()

    from django.db import transaction

    with transaction.atomic():
        first = services.lead_reroute(lead=lead.pk, by=ops_user)
        thread = threading.Thread(target=second)
        thread.start()
        wait_until_another_connection_waits_for_a_lock(who="the second reroute")
    thread.join()
    assert isinstance(results[0], LeadConflict) and "already" in str(results[0])
    assert list(Lead.objects.filter(routed_from=lead)) == [first]


@pytest.mark.django_db
def test_a_declined_or_expired_qualified_lead_goes_on_by_itself(
    ops_user, partners, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead = create(ops_user)
    with django_capture_on_commit_callbacks(execute=True):
        decline(lead, reason="no_budget")
    [successor] = Lead.objects.filter(routed_from=lead)
    assert successor.partner.slug == "praha-cloud" and successor.status == Status.RECEIVED


@pytest.mark.django_db
def test_an_expired_qualified_lead_goes_on_by_itself(
    ops_user, partners, celery_eager, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    lead = LeadFactory(
        partner=partners[0], lead_type=LeadType.MARKETING_QUALIFIED, received_at=timezone.now() - timedelta(days=15)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.leads_expire_overdue()
    assert Lead.objects.get(routed_from=lead).partner.slug != "brno-cloud"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["spam", "inquiry", "switched_off"])
def test_spam_inquiries_and_the_switch_stop_the_automatic_reroute(
    case, ops_user, partners, celery_eager, settings, django_capture_on_commit_callbacks
):
    settings.LEADHUB_AUTO_REROUTE = case != "switched_off"
    lead_type = LeadType.CUSTOMER_INQUIRY if case == "inquiry" else LeadType.SALES_QUALIFIED
    lead = create(ops_user, lead_type=lead_type)
    with django_capture_on_commit_callbacks(execute=True):
        decline(lead, reason="duplicate_or_spam" if case == "spam" else "not_a_fit")
    assert not Lead.objects.filter(routed_from=lead).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("country, words", [("CZ", "S tím vám mohou pomoci"), ("", "These partners could help")])
def test_a_declined_inquiry_e_mails_the_customer_other_partners_never_the_one_that_declined(
    country, words, ops_user, partners, celery_eager, django_capture_on_commit_callbacks
):
    lead = create(
        ops_user, lead_type=LeadType.CUSTOMER_INQUIRY, customer={**CUSTOMER, "country": country}, partner="brno-cloud"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decline(lead)
    [message] = [m for m in mail.outbox if m.to == [CUSTOMER["email"]]]
    assert words in message.body
    assert "/partners/praha-cloud/" in message.body and "/partners/ostrava-it/" in message.body
    assert "/partners/brno-cloud/" not in message.body


@pytest.mark.django_db
def test_no_eligible_partner_means_no_list_only_the_directory(
    ops_user, partners, celery_eager, django_capture_on_commit_callbacks
):
    lead = create(
        ops_user, lead_type=LeadType.CUSTOMER_INQUIRY, customer={**CUSTOMER, "country": "JP"}, partner="brno-cloud"
    )
    with django_capture_on_commit_callbacks(execute=True):
        decline(lead)
    [message] = [m for m in mail.outbox if m.to == [CUSTOMER["email"]]]
    assert "could help" not in message.body and "/partners/" in message.body


def _statistics():
    return (
        sorted(
            PartnerStat.objects.values_list(
                "partner_id",
                "dimension",
                "value",
                "offered",
                "accepted",
                "declined_not_fit",
                "declined_other",
                "expired",
                "won",
                "lost",
            )
        ),
        sorted(PartnerMonth.objects.values_list("partner_id", "month", "received")),
    )


@pytest.mark.django_db
def test_the_statistics_each_decision_updates_equal_the_nightly_rebuild(
    ops_user, partners, settings, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _decide_every_way(ops_user, partners, settings)
    _compare_with_rebuild(partners)


def _decide_every_way(ops_user, partners, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LEADHUB_AUTO_REROUTE = False
    leads = [create(ops_user, need=need) for need in ("Cloud migrace", "Cloud servers", "Migrace", "Cloud", "x")]
    admin = MembershipFactory(organisation=leads[0].partner, user=UserFactory()).user
    deal = {"deal_name": "D", "deal_value": "10", "estimated_close_date": timezone.localdate() + timedelta(days=9)}
    services.lead_accept(lead=leads[0].pk, by=admin, **deal)
    services.lead_win(lead=leads[0].pk, by=admin)
    services.lead_decline(lead=leads[1].pk, by=admin, reason="not_a_fit")
    services.lead_decline(lead=leads[2].pk, by=admin, reason="duplicate_or_spam")
    services.lead_accept(lead=leads[3].pk, by=admin, **deal)
    services.lead_lose(lead=leads[3].pk, by=admin, reason="no_budget")
    LeadFactory(
        partner=partners[1], lead_type=LeadType.MARKETING_QUALIFIED, received_at=timezone.now() - timedelta(days=20)
    )
    services.leads_expire_overdue()  # the factory's lead was never told to routing: the rebuild adds it


def _compare_with_rebuild(partners):
    incremental = _statistics()
    assert incremental[0]  # something was learnt
    rebuild_routing_statistics()
    rebuilt = _statistics()
    factory_partner = partners[1].pk
    assert [row for row in rebuilt[0] if row[0] != factory_partner] == [
        row for row in incremental[0] if row[0] != factory_partner
    ]
    assert [row for row in rebuilt[1] if row[0] != factory_partner] == [
        row for row in incremental[1] if row[0] != factory_partner
    ]


@pytest.mark.django_db
def test_the_lead_page_says_why_in_the_reader_s_language_and_only_to_its_own_partner(client, ops_user, partners):
    lead = create(ops_user)
    admin = MembershipFactory(organisation=lead.partner, user=UserFactory()).user
    client.force_login(admin)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Why you got this lead" in page and escape(lead.match_reasons["en"][0]["detail"]) in page
    page = client.get(f"/leads/{lead.pk}/", headers={"Accept-Language": "cs"}).content.decode()
    assert "Proč jste tento lead dostali" in page and escape(lead.match_reasons["cs"][0]["detail"]) in page
    other = MembershipFactory(organisation=partners[1], user=UserFactory()).user
    client.force_login(other)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_admin_suggests_partners_before_saving_and_sends_a_declined_lead_on(
    admin_client, ops_user, partners, settings
):
    settings.LEADHUB_AUTO_REROUTE = False
    page = admin_client.get(
        "/admin/leads/lead/add/",
        {
            "_suggest": "1",
            "need": "Cloud migrace",
            "company_size": "10-49",
            "country": "CZ",
            "city": "Brno",
            "lead_type": "sales_qualified",
        },
    )
    text = page.content.decode()
    assert page.status_code == 200 and "Partners routing would choose" in text
    assert text.index("Brno Cloud") < text.index("Praha Cloud")
    assert not Lead.objects.exists()
    lead = create(ops_user)
    decline(lead)
    response = admin_client.post(f"/admin/leads/lead/{lead.pk}/reroute/")
    successor = Lead.objects.get(routed_from=lead)
    assert response.status_code == 302 and str(successor.pk) in response["Location"]
