"""Issue 19 item 11: the hot banner and the answer countdown no longer read as two clocks that disagree ("69 hours"
beside "13 d 21 h left"): the banner says what to do (call), in the countdown's units and the page's date format."""

import re
from datetime import timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from tests.factories import LeadFactory
from tests.polish.helpers import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, partner_admin):
    client.force_login(partner_admin)
    return client


def banner(html: str) -> str:
    found = re.search(r'<div class="alert alert-hot"[^>]*data-alert="hot">(.*?)</div></div>', html, re.S)
    assert found, "no hot banner"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Hot lead! The customer asked to be called: call within 2 d 18 h, by {date}, while the lead is hot."),
        (
            "cs",
            "Horký lead! Zákazník chce, abyste mu zavolali: zavolejte během 2 d 18 h, nejpozději {date}, "
            "dokud je lead horký.",
        ),
    ],
)
def test_the_hot_banner_says_one_thing_in_the_pages_units_and_date_format(signed_in, org, language, expected):
    received = timezone.now() - timedelta(hours=5, minutes=30)  # hot for 66 h 30 min more; answer within ~13 d
    lead = LeadFactory(
        partner=org, contact_requested=True, received_at=received, respond_by=received + timedelta(days=14)
    )
    html = signed_in.get(url("detail", lead), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        date = date_filter(timezone.localtime(lead.hot_until), "DATETIME_FORMAT")
        answer_by = date_filter(timezone.localtime(lead.respond_by), "DATETIME_FORMAT")
    assert banner(html) == expected.format(date=date)
    # The countdown beside it uses the same units and format: "13 d 18 h" and "answer by <date>".
    assert "13 d 18 h" in html and answer_by in html
    assert "hours" not in banner(html) and "hodin" not in banner(html)
