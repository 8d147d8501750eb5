"""The public directory: listing, filters, ranking by keyword match then response speed, and the partner page."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from leads.services import lead_accept, lead_decline, profiles_refresh_response_times
from profiles.models import BusinessProfile
from tests.factories import (
    AcceptedLeadFactory,
    BusinessProfileFactory,
    LeadFactory,
    LocationFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


def profile(slug, *, keywords=("cloud",), sizes=("10-49",), country="CZ", description="", hours=None, listed=True):
    org = OrganisationFactory(slug=slug, name=slug.title())
    result = BusinessProfileFactory(
        organisation=org, keywords=list(keywords), company_sizes=list(sizes), description=description, is_listed=listed
    )
    LocationFactory(profile=result, country=country)
    if hours is not None:
        BusinessProfile.objects.filter(pk=result.pk).update(median_response_hours=hours)
    return result


def listed(client, **params) -> list[str]:
    response = client.get("/partners/", params)
    assert response.status_code == 200
    return re.findall(r'data-partner="([^"]+)"', response.content.decode())


def test_directory_needs_no_login_and_hides_unlisted_partners(client):
    profile("alpha")
    profile("hidden", listed=False)
    assert listed(client) == ["alpha"]


def test_a_faster_responder_with_the_same_keyword_match_ranks_higher(client):
    now = timezone.now()
    slow, fast = profile("slow"), profile("fast")
    for org, hours in ((slow.organisation, 50), (fast.organisation, 3)):
        AcceptedLeadFactory(
            partner=org, received_at=now - timedelta(hours=hours + 1), decided_at=now - timedelta(hours=1)
        )
    profiles_refresh_response_times()
    assert listed(client, q="cloud") == ["fast", "slow"]


def test_keyword_match_comes_before_speed(client):
    profile("mentions", keywords=["hosting"], description="We also do some ERP work.", hours=1)
    profile("specialist", keywords=["ERP", "finance"], hours=40)
    profile("unrelated", keywords=["design"], hours=1)
    assert listed(client, q="erp") == ["specialist", "mentions"]


def test_partners_without_a_response_figure_come_last(client):
    profile("unknown")
    profile("known", hours=30)
    assert listed(client) == ["known", "unknown"]


def test_filters_by_company_size_and_country(client):
    profile("small-cz", sizes=["1-9"], country="CZ")
    profile("big-de", sizes=["1000+"], country="DE")
    profile("big-cz", sizes=["250-999", "1000+"], country="CZ")
    assert listed(client, size="1000+") == ["big-cz", "big-de"]
    assert listed(client, country="cz") == ["big-cz", "small-cz"]
    assert listed(client, size="1000+", country="DE") == ["big-de"]


def test_partner_page_shows_the_profile_and_the_contact_form(client):
    shown = profile("contoso", keywords=["cloud", "<b>data</b>"], description="Cloud experts.")
    response = client.get("/partners/contoso/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cloud experts." in page and "&lt;b&gt;data&lt;/b&gt;" in page
    assert 'action="/partners/contoso/contact/"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'name="contact_requested"' in page and shown.organisation.name in page


@pytest.mark.parametrize("slug", ["nobody", "hidden"])
def test_unknown_or_unlisted_partner_page_is_404(client, slug):
    profile("hidden", listed=False)
    assert client.get(f"/partners/{slug}/").status_code == 404


def test_median_response_time_counts_decisions_of_the_last_90_days_only(
    org, partner_admin, django_capture_on_commit_callbacks
):
    now = timezone.now()
    shown = BusinessProfileFactory(organisation=org)
    for hours in (2, 4, 30):
        AcceptedLeadFactory(
            partner=org, received_at=now - timedelta(hours=hours + 1), decided_at=now - timedelta(hours=1)
        )
    AcceptedLeadFactory(partner=org, received_at=now - timedelta(days=120), decided_at=now - timedelta(days=100))
    LeadFactory(partner=org, received_at=now - timedelta(days=3))  # undecided: not counted
    assert profiles_refresh_response_times()[org.pk] == pytest.approx(4)
    shown.refresh_from_db()
    assert shown.median_response_hours == pytest.approx(4)


def test_a_decision_refreshes_the_figure_once_committed(org, partner_admin, django_capture_on_commit_callbacks):
    shown = BusinessProfileFactory(organisation=org)
    lead = LeadFactory(partner=org, received_at=timezone.now() - timedelta(hours=10))
    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
    shown.refresh_from_db()
    assert shown.median_response_hours == pytest.approx(10, abs=0.1)
    other = LeadFactory(partner=org, received_at=timezone.now() - timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        lead_accept(
            lead=other,
            by=partner_admin,
            deal_name="D",
            deal_value="1",
            estimated_close_date=(timezone.now() + timedelta(days=9)).date(),
        )
    shown.refresh_from_db()
    assert shown.median_response_hours == pytest.approx(15, abs=0.1)


def test_directory_page_costs_the_same_queries_for_any_number_of_partners(client, django_assert_max_num_queries):
    for n in range(15):
        profile(f"partner-{n}", hours=n)
    # count, the page of profiles, their locations (+ the session's messages, which need none here)
    with django_assert_max_num_queries(3):
        assert len(listed(client, q="cloud")) == 15


def test_refresh_response_times_command_updates_every_profile(org):
    shown = BusinessProfileFactory(organisation=org)
    now = timezone.now()
    AcceptedLeadFactory(partner=org, received_at=now - timedelta(hours=7), decided_at=now - timedelta(hours=1))
    out = StringIO()
    call_command("refresh_response_times", stdout=out)
    shown.refresh_from_db()
    assert shown.median_response_hours == pytest.approx(6)
    assert "1 profiles refreshed; 1 have decided leads" in out.getvalue()


@pytest.mark.django_db
def test_the_nightly_task_moves_the_response_time_window(org, partner_admin):
    from datetime import timedelta

    from django.utils import timezone

    from leads import services
    from leads.tasks import refresh_response_times
    from profiles.models import BusinessProfile
    from tests.factories import BusinessProfileFactory, LeadFactory

    BusinessProfileFactory(organisation=org)
    lead = LeadFactory(partner=org, received_at=timezone.now() - timedelta(hours=10))
    services.lead_decline(lead=lead, by=partner_admin, reason="other", reason_notes="Spam")
    BusinessProfile.objects.filter(organisation=org).update(median_response_hours=None)
    assert refresh_response_times.apply().get() >= 1
    hours = BusinessProfile.objects.get(organisation=org).median_response_hours
    assert hours is not None and 9.9 < hours < 10.1
